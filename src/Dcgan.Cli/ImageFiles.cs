using Dcgan.Data;
using SkiaSharp;

namespace Dcgan.Cli;

/// <summary>Images as one PNG file each, at their own size (no scaling, no gutter, gray as gray): what tools that
/// compute Inception FID from a folder (pytorch-fid, clean-fid) read.</summary>
internal static class ImageFiles
{
    /// <summary>Writes image i as 000001.png and on (as many digits as the count needs, at least 6) into
    /// <paramref name="folder"/>, which the caller made sure is new or empty.</summary>
    public static void SavePngs(ImageSet images, string folder)
    {
        Directory.CreateDirectory(folder);
        int digits = Math.Max(6, images.Count.ToString(System.Globalization.CultureInfo.InvariantCulture).Length);
        var bytes = new byte[images.ImageBytes];
        int plane = images.Rows * images.Columns;
        for (int i = 0; i < images.Count; i++)
        {
            images.CopyImage(i, bytes);
            var info = new SKImageInfo(images.Columns, images.Rows, images.Channels == 1 ? SKColorType.Gray8 : SKColorType.Rgba8888, SKAlphaType.Opaque);
            using var bitmap = new SKBitmap(info);
            var pixels = bitmap.GetPixelSpan();
            if (images.Channels == 1)
            {
                bytes.CopyTo(pixels);
            }
            else
            {
                for (int p = 0; p < plane; p++)
                {
                    (pixels[4 * p], pixels[4 * p + 1], pixels[4 * p + 2], pixels[4 * p + 3]) = (bytes[p], bytes[plane + p], bytes[2 * plane + p], 255);
                }
            }
            using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
            File.WriteAllBytes(Path.Combine(folder, $"{(i + 1).ToString($"D{digits}", System.Globalization.CultureInfo.InvariantCulture)}.png"), png.ToArray());
        }
    }
}
