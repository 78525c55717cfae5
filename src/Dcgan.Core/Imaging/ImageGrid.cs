using Dcgan.IO;
using Dcgan.Models;
using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace Dcgan.Imaging;

/// <summary>
/// The tutorial's generate_and_save_images: a grid of generated images as a PNG, gray digits white on black as in
/// the tutorial, colour images in colour. Each pixel becomes a block of <see cref="ScaleFor"/> pixels a side (4 for
/// 28x28 digits) so a person can see the images, and a gray gutter of <see cref="Scale"/> pixels separates the tiles.
/// </summary>
public static class ImageGrid
{
    public const int Scale = 4;
    public const byte GutterGray = 64;

    /// <summary>How many screen pixels a side each image pixel takes: about 112 on a tile's side (4 for 28 pixels, 2 for
    /// 64), at least 1.</summary>
    public static int ScaleFor(int side) => Math.Max(1, (int)Math.Round(112.0 / side, MidpointRounding.AwayFromZero));

    /// <summary>Maps generator output in [-1, 1] to bytes: x * 127.5 + 127.5, rounded and clamped (the tutorial's
    /// formula; matplotlib then rescaled each tile, which we do not), in the tensor's own order.</summary>
    public static byte[] ToBytes(Tensor images)
    {
        using var scope = torch.NewDisposeScope();
        using var scalars = new HeldScalars();
        var bytes = images.detach().mul(scalars.Of(127.5)).add_(scalars.Of(127.5), scalars.One).round_().clamp_(scalars.Of(0L), scalars.Of(255L)).to_type(ScalarType.Byte).contiguous();
        return bytes.data<byte>().ToArray();
    }

    /// <summary><see cref="ToBytes"/> of gray images.</summary>
    public static byte[] ToGrayBytes(Tensor images) => ToBytes(images);

    /// <summary>The height of the band under each row of tiles that holds their captions.</summary>
    public const int CaptionHeight = 16;

    /// <summary>Renders [N, C, H, W] images in [-1, 1] (C 1: gray, 3: colour) as a grid of <paramref name="columns"/>
    /// columns; with <paramref name="captions"/>, caption i is written under tile i (the class of each tile of a run's
    /// grid).</summary>
    public static SKBitmap Render(Tensor images, int columns, IReadOnlyList<string>? captions = null)
    {
        if (images.dim() != 4 || images.shape[1] is not (1 or 3))
        {
            throw new ArgumentException($"Expected images shaped [N, 1, H, W] or [N, 3, H, W], got [{string.Join(", ", images.shape)}].", nameof(images));
        }
        int count = (int)images.shape[0], channels = (int)images.shape[1], height = (int)images.shape[2], width = (int)images.shape[3];
        int scale = ScaleFor(height);
        columns = Math.Clamp(columns, 1, Math.Max(count, 1));
        int rows = (count + columns - 1) / columns;
        int tileW = width * scale, band = captions is null ? 0 : CaptionHeight, tileH = height * scale;
        // Gray stays one byte a pixel (the tutorial's grids, byte for byte); colour is RGBA, opaque.
        var bitmap = new SKBitmap(columns * tileW + (columns + 1) * Scale, rows * (tileH + band) + (rows + 1) * Scale,
            channels == 1 ? SKColorType.Gray8 : SKColorType.Rgba8888, SKAlphaType.Opaque);
        int bytesPerPixel = channels == 1 ? 1 : 4;

        byte[] source = ToBytes(images);
        var target = bitmap.GetPixelSpan();
        target.Fill(GutterGray);
        for (int alpha = 3; bytesPerPixel == 4 && alpha < target.Length; alpha += 4)
        {
            target[alpha] = 255;
        }
        int stride = bitmap.RowBytes, plane = height * width;
        for (int i = 0; i < count; i++)
        {
            int left = Scale + (i % columns) * (tileW + Scale), top = Scale + (i / columns) * (tileH + band + Scale);
            for (int y = 0; y < tileH; y++)
            {
                int sourceRow = i * channels * plane + (y / scale) * width;
                int targetRow = (top + y) * stride + left * bytesPerPixel;
                for (int x = 0; x < tileW; x++)
                {
                    for (int c = 0; c < channels; c++)
                    {
                        target[targetRow + x * bytesPerPixel + c] = source[sourceRow + c * plane + x / scale];
                    }
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
        int bytesPerPixel = grid.BytesPerPixel;
        for (int y = 0; y < grid.Height; y++)
        {
            for (int x = 0; x < grid.Width; x++)
            {
                int at = y * grid.RowBytes + x * bytesPerPixel;
                bool inBand = (y - Scale) % (tileH + CaptionHeight + Scale) >= tileH;
                if (inBand && pixels[at] == GutterGray)
                {
                    // White text on gray: every channel alike (the colour grid's alpha stays opaque).
                    pixels.Slice(at, Math.Min(bytesPerPixel, 3)).Fill(drawn[y * colour.RowBytes + 4 * x]);
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
