using System.Security.Cryptography;
using Dcgan.Data;
using Dcgan.Training;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using static TorchSharp.torch;

namespace Dcgan.Tests;

/// <summary>
/// A 28x28 gray run is what it was before the models followed the image's shape: the values below were stored from
/// the build before colour (commit 6a04e8a). What a run starts from is fixed by the seed alone, on every CPU (torch's
/// random numbers, drawn the same way, and exact arithmetic on them): every weight of each built-in recipe's models,
/// the grids' fixed noise, and the images as read, from an IDX file or a folder. What training computes from them
/// rounds differently from CPU to CPU, so it is compared by hand, run against run (docs/experiments.md).
/// </summary>
public class StoredOutputsTests
{
    [Theory]
    [InlineData("tutorial", "2c1d48969dbdd0ef")]
    [InlineData("improved", "7223464057176d7b")]
    [InlineData("infogan", "cd87c557b5a0a912")]
    [InlineData("conditional", "70825df30dcce7fc")]
    public void A_new_28x28_run_starts_from_the_same_weights_and_noise(string recipe, string stored)
    {
        torch.manual_seed(7);
        using var gan = new Gan(Recipe.Named(recipe));
        using var noise = gan.Generator.Latent.DrawInTurn(16);

        string hash = Hash([
            .. gan.Generator.state_dict(), .. gan.Discriminator.state_dict(),
            .. gan.AverageGenerator?.state_dict() ?? [], .. gan.CodeHead?.state_dict() ?? [], .. gan.LabelEmbedding?.state_dict() ?? [],
            new("fixed-noise", noise)]);

        Assert.Equal(stored, hash);
    }

    [Fact]
    public void Images_read_as_28x28_gray_are_the_same_bytes()
    {
        using var dir = new TempFolder();
        Directory.CreateDirectory(dir.File("pics/a"));
        Directory.CreateDirectory(dir.File("pics/b"));
        using (var light = new Image<L8>(40, 30, new L8(230)))
        {
            for (int x = 5; x < 30; x++)
            {
                light[x, 15] = new L8(20);
            }
            light.SaveAsPng(dir.File("pics/a/light.png"));
        }
        using (var colour = new Image<Rgba32>(33, 47))
        {
            for (int y = 0; y < colour.Height; y++)
            {
                for (int x = 0; x < colour.Width; x++)
                {
                    colour[x, y] = new Rgba32((byte)(x * 7), (byte)(y * 5), (byte)(x * y), (byte)(x < 10 ? 0 : 255));
                }
            }
            colour.SaveAsPng(dir.File("pics/b/colour.png"));
        }
        File.WriteAllBytes(dir.File("pics/b/photo.jpg"), Fixtures.Photo());

        // A folder with colour in it is now read in colour unless gray is asked for; gray, it reads as it did.
        var fit = ImageFolder.Read(dir.File("pics"), new ImageFolderOptions { Channels = 1 });
        var crop = ImageFolder.Read(dir.File("pics"), new ImageFolderOptions { Fit = ImageFit.Crop, Invert = ImageInversion.Never, Channels = 1, Size = 28 });
        File.Delete(dir.File("pics/b/colour.png"));
        File.Delete(dir.File("pics/b/photo.jpg"));
        File.Copy(dir.File("pics/a/light.png"), dir.File("pics/b/light.png"));
        var gray = ImageFolder.Read(dir.File("pics"), new ImageFolderOptions());
        var idx = Fixtures.Images(40);

        Assert.Equal((1, 28, 28), (gray.Channels, gray.Rows, gray.Columns));
        Assert.Equal(ImageFolder.Read(dir.File("pics"), new ImageFolderOptions { Channels = 1, Size = 28 }).Fingerprint(), gray.Fingerprint());

        Assert.Equal("862b10d962f360a85408c6e29736eb81ffa33298af2c51c86ad5ef4b7fa3a66e", fit.Fingerprint());
        Assert.Equal("efe9d32579f2d903e0fa9e7dd0a74c40c3a3accbd7199a5f4ba7ba4d315623f3", crop.Fingerprint());
        Assert.Equal("9dfc5faa31a84d547b68555a41847a0195746646e30598b2b6951fca01af0013", idx.Fingerprint());
        using var tensor = idx.ToTensor();
        Assert.Equal("34a97f9e7e0a75b1", Hash([new("idx", tensor)]));
    }

    /// <summary>Batches are read a batch at a time now; their order and bytes (two epochs and a resumed one, labels
    /// too) are those stored from 0178542, which made one float tensor of the whole set and picked each batch from it.
    /// The same on every CPU: torch's generator draws the order, and each pixel's float is one correctly rounded
    /// division.</summary>
    [Fact]
    public void Batches_read_a_batch_at_a_time_are_the_batches_of_the_whole_set_in_memory()
    {
        using var images = Fixtures.Images(40).WithLabels([.. Enumerable.Range(0, 40).Select(i => (byte)(i * 7 % 10))]);
        using var shuffle = new torch.Generator(5);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (int skip in new[] { 0, 0, 1 })
        {
            foreach (var batch in Batches.Shuffled(images, 16, shuffle, skip, withLabels: true))
            {
                using (batch)
                {
                    hash.AppendData(batch.Images.bytes);
                    hash.AppendData(batch.Labels!.bytes);
                }
            }
        }

        Assert.Equal("01a9279a516619c6822cc637e8bd29ea43a2e29e156f37070cb428909b57b80a", Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    private static string Hash(IEnumerable<KeyValuePair<string, Tensor>> tensors)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (name, tensor) in tensors)
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(name + string.Join(",", tensor.shape)));
            using var contiguous = tensor.contiguous();
            hash.AppendData(contiguous.bytes);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
    }
}
