using Dcgan.IO;
using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace Dcgan.Imaging;

/// <summary>
/// The tutorial's generate_and_save_images: a grid of generated digits, white on black, as a PNG. Each pixel
/// becomes a <see cref="Scale"/> x <see cref="Scale"/> block so a person can see the digits, and a gray gutter
/// separates the tiles.
/// </summary>
public static class ImageGrid
{
    public const int Scale = 4;
    public const byte GutterGray = 64;

    /// <summary>Maps generator output in [-1, 1] to gray bytes: x * 127.5 + 127.5, rounded and clamped
    /// (the tutorial's formula; matplotlib then rescaled each tile, which we do not).</summary>
    public static byte[] ToGrayBytes(Tensor images)
    {
        using var scope = torch.NewDisposeScope();
        var gray = images.detach().mul(127.5).add_(127.5).round_().clamp_(0, 255).to_type(ScalarType.Byte).contiguous();
        return gray.data<byte>().ToArray();
    }

    /// <summary>Renders [N, 1, H, W] images in [-1, 1] as a grid of <paramref name="columns"/> columns.</summary>
    public static SKBitmap Render(Tensor images, int columns)
    {
        if (images.dim() != 4 || images.shape[1] != 1)
        {
            throw new ArgumentException($"Expected images shaped [N, 1, H, W], got [{string.Join(", ", images.shape)}].", nameof(images));
        }
        int count = (int)images.shape[0], height = (int)images.shape[2], width = (int)images.shape[3];
        columns = Math.Clamp(columns, 1, Math.Max(count, 1));
        int rows = (count + columns - 1) / columns;
        int tileW = width * Scale, tileH = height * Scale;
        var bitmap = new SKBitmap(columns * tileW + (columns + 1) * Scale, rows * tileH + (rows + 1) * Scale,
            SKColorType.Gray8, SKAlphaType.Opaque);

        byte[] source = ToGrayBytes(images);
        var target = bitmap.GetPixelSpan();
        target.Fill(GutterGray);
        int stride = bitmap.RowBytes;
        for (int i = 0; i < count; i++)
        {
            int left = Scale + (i % columns) * (tileW + Scale), top = Scale + (i / columns) * (tileH + Scale);
            for (int y = 0; y < tileH; y++)
            {
                int sourceRow = i * height * width + (y / Scale) * width;
                int targetRow = (top + y) * stride + left;
                for (int x = 0; x < tileW; x++)
                {
                    target[targetRow + x] = source[sourceRow + x / Scale];
                }
            }
        }
        return bitmap;
    }

    /// <summary>Writes the grid as a PNG, atomically.</summary>
    public static void SavePng(Tensor images, string path, int columns)
    {
        byte[] png = EncodePng(images, columns);
        AtomicFile.Write(path, stream => stream.Write(png));
    }

    /// <summary>The grid as PNG bytes, as <see cref="SavePng"/> writes them.</summary>
    public static byte[] EncodePng(Tensor images, int columns)
    {
        using var bitmap = Render(images, columns);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>A sensible number of columns for <paramref name="count"/> images: a square grid when it can be.</summary>
    public static int SquareColumns(int count) => Math.Max(1, (int)Math.Ceiling(Math.Sqrt(count)));
}
