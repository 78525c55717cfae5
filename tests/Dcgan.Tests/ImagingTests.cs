using Dcgan.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SkiaSharp;
using TorchSharp;

namespace Dcgan.Tests;

public class ImagingTests
{
    [Fact]
    public void Gray_mapping_is_the_tutorials_formula_clamped()
    {
        using var x = torch.tensor(new[] { -1f, 0f, 1f, -3f, 2f, 0.5f });
        Assert.Equal(new byte[] { 0, 128, 255, 0, 255, 191 }, ImageGrid.ToGrayBytes(x));
    }

    [Fact]
    public void Grid_png_has_scaled_tiles_in_rows_and_columns()
    {
        using var dir = new TempFolder();
        // 6 images, 3 columns: 2 rows. Image i is filled with a value whose gray is distinct.
        using var images = torch.stack(Enumerable.Range(0, 6).Select(i => torch.full(1, 28, 28, -1f + i * 0.4f)).ToArray());
        ImageGrid.SavePng(images, dir.File("g.png"), columns: 3);

        using var png = SKBitmap.Decode(dir.File("g.png"));
        int s = ImageGrid.Scale, tile = 28 * s;
        Assert.Equal(3 * tile + 4 * s, png.Width);
        Assert.Equal(2 * tile + 3 * s, png.Height);
        byte[] gray = ImageGrid.ToGrayBytes(torch.tensor(Enumerable.Range(0, 6).Select(i => -1f + i * 0.4f).ToArray()));
        for (int i = 0; i < 6; i++)
        {
            int x = s + (i % 3) * (tile + s) + tile / 2, y = s + (i / 3) * (tile + s) + tile / 2;
            Assert.Equal(gray[i], png.GetPixel(x, y).Red);
        }
        Assert.Equal(ImageGrid.GutterGray, png.GetPixel(0, 0).Red);
    }

    [Fact]
    public void Gif_holds_every_frame_in_order_and_holds_the_last_longer()
    {
        using var dir = new TempFolder();
        var frames = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            using var images = torch.full(4, 1, 28, 28, -1f + i);
            frames.Add(dir.File($"f{i}.png"));
            ImageGrid.SavePng(images, frames[^1], columns: 2);
        }

        AnimatedGif.Write(dir.File("a.gif"), frames);

        using var gif = SixLabors.ImageSharp.Image.Load<Rgba32>(dir.File("a.gif"));
        Assert.Equal(3, gif.Frames.Count);
        Assert.Equal(0, gif.Metadata.GetGifMetadata().RepeatCount);
        var delays = Enumerable.Range(0, 3).Select(i => gif.Frames[i].Metadata.GetGifMetadata().FrameDelay).ToArray();
        Assert.Equal(new[] { AnimatedGif.FrameDelay, AnimatedGif.FrameDelay, AnimatedGif.LastFrameDelay }, delays);
        int center = ImageGrid.Scale + 14 * ImageGrid.Scale;
        Assert.Equal(new byte[] { 0, 128, 255 }, Enumerable.Range(0, 3).Select(i => gif.Frames[i][center, center].R).ToArray());
    }
}
