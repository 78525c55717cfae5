using Dcgan.Models;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Dcgan.Data;

/// <summary>
/// Images already in memory (an IDX file, a .npz, CIFAR-10) at another shape: resized with bicubic resampling, a
/// non-square image fitted whole and padded black, as a folder's images are; gray made colour with red, green and blue
/// alike, colour made gray by its ITU-R BT.709 luma.
/// </summary>
internal static class ImageResize
{
    public static ImageSet To(ImageSet images, ImageShape shape)
    {
        if (images.Shape == shape)
        {
            return images;
        }
        int inValues = images.ImageBytes, outValues = shape.Values;
        var pixels = new byte[(long)images.Count * outValues];
        Parallel.For(0, images.Count, () => new byte[inValues], (i, _, one) =>
        {
            images.CopyImage(i, one);
            Convert(one, images, shape).CopyTo(pixels.AsSpan(i * outValues, outValues));
            return one;
        }, _ => { });
        return images.WithPixels(pixels, shape);
    }

    /// <summary>One image's planes (gray, or red, green and blue) as an RGB image, gray replicated to three channels.</summary>
    internal static Image<Rgb24> ToImage(ReadOnlySpan<byte> planes, int channels, int rows, int columns)
    {
        var image = new Image<Rgb24>(columns, rows);
        int plane = rows * columns;
        for (int y = 0; y < rows; y++)
        {
            for (int x = 0; x < columns; x++)
            {
                int at = y * columns + x;
                image[x, y] = channels == 1
                    ? new Rgb24(planes[at], planes[at], planes[at])
                    : new Rgb24(planes[at], planes[plane + at], planes[2 * plane + at]);
            }
        }
        return image;
    }

    private static byte[] Convert(ReadOnlySpan<byte> planes, ImageSet images, ImageShape shape)
    {
        int w = images.Columns, h = images.Rows, side = shape.Size;
        using var image = ToImage(planes, images.Channels, h, w);
        if (w != side || h != side)
        {
            image.Mutate(x => x.Resize(new ResizeOptions
            {
                Size = new Size(side, side),
                Mode = ResizeMode.Pad,
                PadColor = Color.Black,
                Sampler = KnownResamplers.Bicubic,
            }));
        }
        var result = new byte[shape.Values];
        if (shape.Channels == 1)
        {
            using var gray = image.CloneAs<L8>();
            gray.CopyPixelDataTo(result);
            return result;
        }
        int outPlane = side * side;
        for (int y = 0; y < side; y++)
        {
            for (int x = 0; x < side; x++)
            {
                var p = image[x, y];
                (result[y * side + x], result[outPlane + y * side + x], result[2 * outPlane + y * side + x]) = (p.R, p.G, p.B);
            }
        }
        return result;
    }
}
