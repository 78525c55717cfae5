#:project ../src/Dcgan.Core/Dcgan.Core.csproj
#:property PublishAot=false

// A large folder of distinct images made from a small labelled one (the emoji), for measuring how dcgan reads folders
// of the size people bring (CelebA: 202,599 photos). Not for the unit tests, which make their own small data.
//
//   dotnet run benchmarks/make-large-folder.cs -- SOURCE OUT COUNT [SIDE]
//
// Each image is a source image (taken in turn, class folders kept) cropped at a random place and scale (70-100 % of
// its side), flipped left-right half of the time, its hue turned by a random angle, and resized to SIDE (default 128);
// every second image is saved as JPEG (quality 90, as photo collections are), the others as PNG. The random numbers are
// seeded by the image's number, so the folder is the same on every run, and no two images are alike.

using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

if (args.Length is < 3 or > 4 || !int.TryParse(args[2], out int count) || count < 1)
{
    Console.Error.WriteLine("usage: make-large-folder.cs SOURCE OUT COUNT [SIDE]");
    return 2;
}
string source = args[0], output = args[1];
int side = args.Length == 4 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 128;
var files = Directory.GetDirectories(source).Order(StringComparer.Ordinal)
    .SelectMany(d => Directory.GetFiles(d, "*.png").Order(StringComparer.Ordinal).Select(f => (Class: Path.GetFileName(d), File: f)))
    .ToArray();
if (files.Length == 0)
{
    Console.Error.WriteLine($"{source} has no class folders of PNG images.");
    return 1;
}
foreach (string name in files.Select(f => f.Class).Distinct())
{
    Directory.CreateDirectory(Path.Combine(output, name));
}
var originals = files.Select(f => File.ReadAllBytes(f.File)).ToArray();
var clock = System.Diagnostics.Stopwatch.StartNew();
int done = 0;
Parallel.For(0, count, i =>
{
    var random = new Random(i);
    int k = i % files.Length;
    using var image = Image.Load<Rgba32>(originals[k]);
    image.Mutate(x =>
    {
        var size = image.Size();
        double scale = 0.7 + 0.3 * random.NextDouble();
        int w = Math.Max(8, (int)(size.Width * scale)), h = Math.Max(8, (int)(size.Height * scale));
        x.Crop(new Rectangle(random.Next(size.Width - w + 1), random.Next(size.Height - h + 1), w, h));
        if (random.Next(2) == 1)
        {
            x.Flip(FlipMode.Horizontal);
        }
        x.Hue(random.Next(360));
        x.Resize(side, side);
    });
    string stem = Path.Combine(output, files[k].Class, $"{i:D7}");
    if (i % 2 == 0)
    {
        // JPEG has no transparency: the emoji go onto white first, as dcgan's default background does.
        using var opaque = image.Clone(x => x.BackgroundColor(Color.White));
        opaque.SaveAsJpeg(stem + ".jpg", new JpegEncoder { Quality = 90 });
    }
    else
    {
        // SkiaSharp encodes the PNG: ImageSharp 2's PNG encoder took 160 ms an image here, Skia's under 1 ms.
        var pixels = new byte[side * side * 4];
        image.CopyPixelDataTo(pixels);
        using var bitmap = new SkiaSharp.SKBitmap(new SkiaSharp.SKImageInfo(side, side, SkiaSharp.SKColorType.Rgba8888, SkiaSharp.SKAlphaType.Unpremul));
        System.Runtime.InteropServices.Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
        using var png = bitmap.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(stem + ".png", png.ToArray());
    }
    if (Interlocked.Increment(ref done) % 10_000 == 0)
    {
        Console.WriteLine($"{done} images, {done / clock.Elapsed.TotalSeconds:F0}/s");
    }
});
Console.WriteLine($"Wrote {count} images in {files.Select(f => f.Class).Distinct().Count()} class folders under {output} ({clock.Elapsed.TotalSeconds:F0} s).");
return 0;
