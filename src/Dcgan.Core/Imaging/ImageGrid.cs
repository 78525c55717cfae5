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

    /// <summary>The height of the band under each row of tiles that holds their captions.</summary>
    public const int CaptionHeight = 16;

    /// <summary>Renders [N, 1, H, W] images in [-1, 1] as a grid of <paramref name="columns"/> columns; with
    /// <paramref name="captions"/>, caption i is written under tile i (the class of each tile of a run's grid).</summary>
    public static SKBitmap Render(Tensor images, int columns, IReadOnlyList<string>? captions = null)
    {
        if (images.dim() != 4 || images.shape[1] != 1)
        {
            throw new ArgumentException($"Expected images shaped [N, 1, H, W], got [{string.Join(", ", images.shape)}].", nameof(images));
        }
        int count = (int)images.shape[0], height = (int)images.shape[2], width = (int)images.shape[3];
        columns = Math.Clamp(columns, 1, Math.Max(count, 1));
        int rows = (count + columns - 1) / columns;
        int tileW = width * Scale, band = captions is null ? 0 : CaptionHeight, tileH = height * Scale;
        var bitmap = new SKBitmap(columns * tileW + (columns + 1) * Scale, rows * (tileH + band) + (rows + 1) * Scale,
            SKColorType.Gray8, SKAlphaType.Opaque);

        byte[] source = ToGrayBytes(images);
        var target = bitmap.GetPixelSpan();
        target.Fill(GutterGray);
        int stride = bitmap.RowBytes;
        for (int i = 0; i < count; i++)
        {
            int left = Scale + (i % columns) * (tileW + Scale), top = Scale + (i / columns) * (tileH + band + Scale);
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
        if (captions is not null)
        {
            WriteCaptions(bitmap, captions, count, columns, tileW, tileH);
        }
        return bitmap;
    }

    /// <summary>Each tile's caption, centred in the band under it. Skia draws text into colour bitmaps only, so the
    /// captions are drawn in colour and their gray level copied into the grid.</summary>
    private static void WriteCaptions(SKBitmap grid, IReadOnlyList<string> captions, int count, int columns, int tileW, int tileH)
    {
        using var colour = new SKBitmap(grid.Width, grid.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using (var canvas = new SKCanvas(colour))
        using (var font = new SKFont(SKTypeface.Default, CaptionHeight - 4))
        using (var paint = new SKPaint { Color = SKColors.White, IsAntialias = true })
        {
            canvas.Clear(new SKColor(GutterGray, GutterGray, GutterGray));
            for (int i = 0; i < Math.Min(count, captions.Count); i++)
            {
                float middle = Scale + (i % columns) * (tileW + Scale) + tileW / 2f;
                float baseline = Scale + (i / columns) * (tileH + CaptionHeight + Scale) + tileH + CaptionHeight - 4;
                canvas.DrawText(captions[i], middle, baseline, SKTextAlign.Center, font, paint);
            }
        }
        var pixels = grid.GetPixelSpan();
        var drawn = colour.GetPixelSpan();
        for (int y = 0; y < grid.Height; y++)
        {
            for (int x = 0; x < grid.Width; x++)
            {
                int at = y * grid.RowBytes + x;
                bool inBand = (y - Scale) % (tileH + CaptionHeight + Scale) >= tileH;
                if (inBand && pixels[at] == GutterGray)
                {
                    pixels[at] = drawn[y * colour.RowBytes + 4 * x]; // white text on gray: every channel alike
                }
            }
        }
    }

    /// <summary>Writes the grid as a PNG, atomically.</summary>
    public static void SavePng(Tensor images, string path, int columns, IReadOnlyList<string>? captions = null)
    {
        using var bitmap = Render(images, columns, captions);
        SavePng(bitmap, path);
    }

    /// <summary>Writes a rendered grid as a PNG, atomically.</summary>
    public static void SavePng(SKBitmap grid, string path)
    {
        byte[] png = EncodePng(grid);
        AtomicFile.Write(path, stream => stream.Write(png));
    }

    /// <summary>The grid as PNG bytes, as <see cref="SavePng(Tensor, string, int, IReadOnlyList{string}?)"/> writes them.</summary>
    public static byte[] EncodePng(Tensor images, int columns, IReadOnlyList<string>? captions = null)
    {
        using var bitmap = Render(images, columns, captions);
        return EncodePng(bitmap);
    }

    private static byte[] EncodePng(SKBitmap grid)
    {
        using var data = grid.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>A sensible number of columns for <paramref name="count"/> images: a square grid when it can be.</summary>
    public static int SquareColumns(int count) => Math.Max(1, (int)Math.Ceiling(Math.Sqrt(count)));
}
