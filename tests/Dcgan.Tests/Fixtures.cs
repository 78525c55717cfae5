using Dcgan.Data;
using Dcgan.Training;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using static TorchSharp.torch;

namespace Dcgan.Tests;

/// <summary>Small data the tests make for themselves (they never read ../shared).</summary>
internal static class Fixtures
{
    /// <summary>Deterministic 28x28 "digits": a bright bar whose position depends on the index.</summary>
    public static ImageSet Images(int count, int rows = 28, int columns = 28)
    {
        var pixels = new byte[count * rows * columns];
        for (int i = 0; i < count; i++)
        {
            int bar = 4 + i % (columns - 8);
            for (int y = 4; y < rows - 4; y++)
            {
                pixels[(i * rows + y) * columns + bar] = 255;
                pixels[(i * rows + y) * columns + bar + 1] = (byte)(40 * (i % 6));
            }
        }
        return new ImageSet(pixels, count, rows, columns);
    }

    /// <summary>Saves <paramref name="gan"/> as a checkpoint of <paramref name="recipe"/> at <paramref name="epoch"/>,
    /// with a fixed noise of 16 and no random-number states to resume from: enough to sample, export or evaluate.</summary>
    public static void SaveCheckpoint(string path, Gan gan, Recipe recipe, int epoch)
    {
        using var checkpoint = new Checkpoint // disposes its noise
        {
            Epoch = epoch,
            Seed = 1,
            Recipe = recipe,
            DataFingerprint = "x",
            FixedNoise = torch.randn(16, 100),
            TorchRngState = [],
            ShuffleRngState = [],
        };
        checkpoint.Save(path, gan);
    }

    /// <summary>Copies every file below <paramref name="from"/> to the same place below <paramref name="to"/>.</summary>
    public static void CopyFolder(string from, string to)
    {
        foreach (string file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    /// <summary>A 160x120 JPEG of busy colour, so that most of its bytes are its scan's data (a file cut at half
    /// ends inside the scan, which ImageSharp decodes without a word).</summary>
    public static byte[] Photo()
    {
        using var image = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>(160, 120);
        for (int y = 0; y < image.Height; y++)
        {
            for (int x = 0; x < image.Width; x++)
            {
                image[x, y] = new((byte)(x * 37 + y * 11), (byte)(x * y), (byte)(x ^ y));
            }
        }
        using var bytes = new MemoryStream();
        SixLabors.ImageSharp.ImageExtensions.SaveAsJpeg(image, bytes);
        return bytes.ToArray();
    }

    /// <summary>A folder of two classes (cats, dogs) of small colour images, distinct from each other, PNG and JPEG.</summary>
    public static string ColourFolder(TempFolder dir, int perClass = 6, string name = "pics")
    {
        string root = dir.File(name);
        foreach (var (cls, k) in new[] { ("cats", 0), ("dogs", 1) })
        {
            Directory.CreateDirectory(Path.Combine(root, cls));
            for (int i = 0; i < perClass; i++)
            {
                using var image = new Image<Rgb24>(20 + i, 17);
                for (int y = 0; y < image.Height; y++)
                {
                    for (int x = 0; x < image.Width; x++)
                    {
                        image[x, y] = new Rgb24((byte)(x * 11 + i * 30), (byte)(y * 13 + k * 90), (byte)((x ^ y) * 7));
                    }
                }
                string path = Path.Combine(root, cls, $"{i:D2}");
                if (i % 2 == 0)
                {
                    image.SaveAsPng(path + ".png");
                }
                else
                {
                    image.SaveAsJpeg(path + ".jpg");
                }
            }
        }
        return root;
    }

    /// <summary>A gzip IDX file of <paramref name="count"/> fixture images in <paramref name="dir"/>.</summary>
    public static string TinyDataset(TempFolder dir, int count = 48)
    {
        string path = dir.File("tiny-images-idx3-ubyte.gz");
        IdxFile.WriteImages(path, Images(count));
        return path;
    }

    /// <summary>A file of this repository (a recipe of docs/experiments, say), found from the test's folder upward.</summary>
    public static string RepositoryFile(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Dcgan.slnx")))
            {
                return Path.Combine(dir.FullName, relative);
            }
        }
        throw new FileNotFoundException($"no Dcgan.slnx above {AppContext.BaseDirectory}");
    }

    /// <summary>Same shape and bit-for-bit the same values.</summary>
    public static bool Identical(Tensor a, Tensor b) =>
        a.shape.SequenceEqual(b.shape) && torch.eq(a, b).all().item<bool>();
}

/// <summary>A temporary folder removed after the test.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "dcgan-tests-" + Guid.NewGuid().ToString("N"));

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // best effort: a leftover temp folder is harmless
        }
    }
}
