using Dcgan.IO;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing.Processors.Quantization;
using SkiaSharp;

namespace Dcgan.Imaging;

/// <summary>
/// The tutorial's dcgan.gif: the per-epoch grids in order as one looping animation, the last frame held longer.
/// PNGs are decoded with SkiaSharp; ImageSharp encodes the GIF (SkiaSharp cannot write GIFs). Gray grids keep
/// the exact 256 grays; colour grids get each frame's own 256 colours (Wu's quantizer, GIF's limit), without dithering.
/// </summary>
public static class AnimatedGif
{
    /// <summary>Frame times in hundredths of a second, GIF's unit.</summary>
    public const int FrameDelay = 20, LastFrameDelay = 200;

    /// <summary>The 256 grays: our frames hold nothing else, so the palette is exact and needs no dithering.</summary>
    private static readonly Color[] GrayPalette =
        [.. Enumerable.Range(0, 256).Select(g => Color.FromRgb((byte)g, (byte)g, (byte)g))];

    /// <summary>The per-epoch grids, read from their PNGs, as the tutorial's dcgan.gif.</summary>
    public static void Write(string path, IReadOnlyList<string> framePngs)
    {
        Write(path, framePngs.Select(png => (Load(png), png)), FrameDelay, LastFrameDelay);
    }

    /// <summary>Frames in memory (each epoch's grid, a latent-space walk), every one shown for <paramref name="delay"/>
    /// hundredths of a second, the last for <paramref name="lastDelay"/> (by default, as long as the others). Each
    /// bitmap is disposed once encoded.</summary>
    public static void Write(string path, IEnumerable<SKBitmap> frames, int delay = FrameDelay, int? lastDelay = null)
    {
        byte[] gif = Encode(frames, delay, lastDelay);
        AtomicFile.Write(path, stream => stream.Write(gif));
    }

    /// <summary>The same animation as GIF bytes.</summary>
    public static byte[] Encode(IEnumerable<SKBitmap> frames, int delay = FrameDelay, int? lastDelay = null)
    {
        using var bytes = new MemoryStream();
        Encode(bytes, frames.Select((bitmap, i) =>
        {
            using (bitmap)
            {
                return (ToImage(bitmap), $"frame {i}");
            }
        }), delay, lastDelay ?? delay);
        return bytes.ToArray();
    }

    private static void Write(string path, IEnumerable<(Image Frame, string Name)> frames, int delay, int lastDelay) =>
        AtomicFile.Write(path, stream => Encode(stream, frames, delay, lastDelay));

    /// <summary>The frames as one GIF: gray when the first frame is gray, else in colour (later frames follow it).</summary>
    private static void Encode(Stream output, IEnumerable<(Image Frame, string Name)> frames, int delay, int lastDelay)
    {
        Image? gif = null;
        try
        {
            foreach (var (frame, name) in frames)
            {
                using (frame)
                {
                    if (gif is null)
                    {
                        gif = frame is Image<L8> gray ? gray.Clone() : frame.CloneAs<Rgb24>();
                        gif.Metadata.GetGifMetadata().RepeatCount = 0; // loop forever
                        continue;
                    }
                    if (frame.Width != gif.Width || frame.Height != gif.Height)
                    {
                        throw new InvalidDataException(
                            $"{name} is {frame.Width}x{frame.Height}, unlike the other frames ({gif.Width}x{gif.Height}); remove it or regenerate it.");
                    }
                    if (gif is Image<L8> grayGif)
                    {
                        using var grayFrame = frame.CloneAs<L8>();
                        grayGif.Frames.AddFrame(grayFrame.Frames.RootFrame);
                    }
                    else
                    {
                        using var colourFrame = frame.CloneAs<Rgb24>();
                        ((Image<Rgb24>)gif).Frames.AddFrame(colourFrame.Frames.RootFrame);
                    }
                }
            }
            if (gif is null)
            {
                throw new ArgumentException("An animation needs at least one frame.", nameof(frames));
            }
            for (int i = 0; i < gif.Frames.Count; i++)
            {
                gif.Frames[i].Metadata.GetGifMetadata().FrameDelay = i == gif.Frames.Count - 1 ? lastDelay : delay;
            }
            gif.SaveAsGif(output, gif is Image<L8>
                ? new GifEncoder
                {
                    ColorTableMode = GifColorTableMode.Global,
                    Quantizer = new PaletteQuantizer(GrayPalette, new QuantizerOptions { Dither = null }),
                }
                : new GifEncoder
                {
                    ColorTableMode = GifColorTableMode.Local,
                    Quantizer = new WuQuantizer(new QuantizerOptions { Dither = null }),
                });
        }
        finally
        {
            gif?.Dispose();
        }
    }

    private static Image Load(string png)
    {
        using var decoded = SKBitmap.Decode(png)
            ?? throw new InvalidDataException($"{png} is not a readable PNG; delete it or regenerate it.");
        return ToImage(decoded);
    }

    /// <summary>A gray bitmap as gray, any other in colour.</summary>
    private static Image ToImage(SKBitmap bitmap)
    {
        if (bitmap.ColorType != SKColorType.Gray8)
        {
            using var rgba = bitmap.Copy(SKColorType.Rgba8888);
            var bytes = new byte[rgba.Width * rgba.Height * 4];
            for (int y = 0; y < rgba.Height; y++)
            {
                rgba.GetPixelSpan().Slice(y * rgba.RowBytes, rgba.Width * 4).CopyTo(bytes.AsSpan(y * rgba.Width * 4));
            }
            using var withAlpha = Image.LoadPixelData<Rgba32>(bytes, rgba.Width, rgba.Height);
            return withAlpha.CloneAs<Rgb24>();
        }
        using var gray = bitmap.Copy();
        var pixels = new byte[gray.Width * gray.Height];
        for (int y = 0; y < gray.Height; y++)
        {
            gray.GetPixelSpan().Slice(y * gray.RowBytes, gray.Width).CopyTo(pixels.AsSpan(y * gray.Width));
        }
        return Image.LoadPixelData<L8>(pixels, gray.Width, gray.Height);
    }
}
