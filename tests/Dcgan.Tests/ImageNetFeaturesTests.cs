using System.Text.Json.Nodes;
using Dcgan.Data;
using Dcgan.Evaluation;
using TorchSharp;

namespace Dcgan.Tests;

/// <summary>Measuring any images on ImageNet features: the network's input made by hand, the comparison's split and
/// report on features whose distances are known, and a colour run measured against its own folder, offline.</summary>
public class ImageNetFeaturesTests
{
    /// <summary>A constant image stays constant through the bicubic resize; gray is replicated to three planes, colour
    /// keeps red, green and blue planes, in 0-255.</summary>
    [Fact]
    public void The_input_is_rgb_planes_of_224_in_0_to_255_gray_replicated()
    {
        var gray = new float[3 * 224 * 224];
        var colour = new float[3 * 224 * 224];
        ImageNetFeatures.ToInput(Enumerable.Repeat((byte)7, 16 * 16).ToArray(), 1, 16, 16, gray);
        byte[] planes = [.. Enumerable.Repeat((byte)10, 64), .. Enumerable.Repeat((byte)20, 64), .. Enumerable.Repeat((byte)30, 64)];
        ImageNetFeatures.ToInput(planes, 3, 8, 8, colour);

        Assert.All(gray, v => Assert.Equal(7f, v));
        Assert.All(colour[..(224 * 224)], v => Assert.Equal(10f, v));
        Assert.All(colour[(224 * 224)..(2 * 224 * 224)], v => Assert.Equal(20f, v));
        Assert.All(colour[(2 * 224 * 224)..], v => Assert.Equal(30f, v));
    }

    /// <summary>The features ONNX Runtime computes in float32 are those of the two graphs read independently
    /// (benchmarks/resnet18_reference.py: Debian's python3-onnx reads them, python3-torch computes each node in float64)
    /// for two fixed patterns run as one batch, to float32's accuracy through 18 convolutions.</summary>
    [PyTorchFact("torch, numpy, onnx")]
    public void The_features_are_those_of_the_graphs_computed_independently_in_float64()
    {
        var input = new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>([2, 3, 224, 224]);
        for (int c = 0; c < 3; c++)
        {
            for (int y = 0; y < 224; y++)
            {
                for (int x = 0; x < 224; x++)
                {
                    input[0, c, y, x] = (7 * c + 13 * y + 3 * x) % 256;
                    input[1, c, y, x] = (5 * c + 11 * y + 17 * x) % 256;
                }
            }
        }
        using var network = ImageNetFeatures.Load();
        float[] ours = network.Features(input);
        string models = ImageNetFeatures.Folder;
        var (exitCode, output, errors) = Cli.Performance.PyTorchPeer.RunPython(Cli.Performance.PyTorchPeer.DefaultPython,
            [Fixtures.RepositoryFile("benchmarks/resnet18_reference.py"), Path.Combine(models, "ResNetPrepOnnx", "ResNetPreprocess.onnx"), Path.Combine(models, "ResNet18Onnx", "ResNet18.onnx")]);
        Assert.True(exitCode == 0, errors);
        double[][] reference = System.Text.Json.JsonSerializer.Deserialize<double[][]>(output)!;

        Assert.Equal(2 * 512, ours.Length);
        for (int image = 0; image < 2; image++)
        {
            Assert.Equal(512, reference[image].Length);
            double scale = reference[image].Max(Math.Abs);
            Assert.True(scale > 1, $"features of a busy pattern reach {scale}");
            Assert.All(ours.Skip(image * 512).Take(512).Zip(reference[image]), p => Assert.True(Math.Abs(p.First - p.Second) <= 1e-4 * scale, $"image {image}: {p.First} against {p.Second}"));
        }
        Assert.NotEqual(reference[0][0], reference[1][0]);
    }

    /// <summary>On features that are the pixels themselves: images judged that are the reference's own images score
    /// FD 0, precision and recall 1; the floor is other real images (disjoint from the reference), and N is what
    /// half the real images allow.</summary>
    [Fact]
    public void The_report_compares_against_a_reference_and_a_disjoint_real_floor_at_the_same_n()
    {
        var pixels = new byte[40 * 4];
        new Random(3).NextBytes(pixels);
        using var real = new ImageSet(pixels, 40, 2, 2);
        var seen = new List<byte[]>();
        torch.Tensor Features(ImageSet images)
        {
            var all = images.CopyPixels();
            seen.Add(all);
            return torch.tensor(all.Select(b => (double)b).ToArray(), new long[] { images.Count, 4 });
        }
        // The reference is the first half of the seeded order: the same order again gives it.
        int[] order = [.. Enumerable.Range(0, 40)];
        new Random(5).Shuffle(order);
        using var judged = real.Select(order[..20]);

        var report = Measure("copies", judged, real, 10_000, seed: 5, Features);
        var json = JsonNode.Parse(report.ToJson())!;

        Assert.Equal(20, report.N);
        Assert.Equal(0, report.Generated.FdResnet18, 6);
        Assert.Equal((1.0, 1.0), (report.Generated.Precision, report.Generated.Recall));
        Assert.True(report.Floor.FdResnet18 > 0);
        var referenceImages = Enumerable.Range(0, 20).Select(i => Convert.ToHexString(seen[0], i * 4, 4)).ToHashSet();
        Assert.DoesNotContain(Enumerable.Range(0, 20), i => referenceImages.Contains(Convert.ToHexString(seen[1], i * 4, 4)));
        Assert.Equal(20, (int)json["n"]!);
        foreach (string key in new[] { "fd_resnet18", "precision", "recall", "density", "coverage" })
        {
            Assert.NotNull(json[key]);
            Assert.NotNull(json["floor"]![key]);
        }
        Assert.NotNull(json["kid_resnet18"]!["mean"]);
        Assert.NotNull(json["floor"]!["kid_resnet18"]!["std"]);
    }

    /// <summary>The real images' features are kept: a second evaluation against the same images computes only the
    /// judged ones' and reports the same; a kept file changed on disk is computed again.</summary>
    [Fact]
    public void The_real_features_are_kept_and_a_damaged_file_is_computed_again()
    {
        using var dir = new TempFolder();
        var pixels = new byte[40 * 4];
        new Random(3).NextBytes(pixels);
        using var real = new ImageSet(pixels, 40, 2, 2);
        using var judged = real.Take(20);
        int computed = 0;
        torch.Tensor Features(ImageSet images)
        {
            computed += images.Count;
            return torch.tensor(images.CopyPixels().Select(b => (double)b).ToArray(), new long[] { images.Count, 4 });
        }
        string cache = dir.Path;

        var first = Measure("a", judged, real, 20, seed: 1, Features, cache);
        int firstCount = computed;
        var second = Measure("a", judged, real, 20, seed: 1, Features, cache);
        int secondCount = computed - firstCount;
        foreach (string kept in Directory.GetFiles(Path.Combine(cache, "features")))
        {
            var bytes = File.ReadAllBytes(kept);
            bytes[^1] ^= 1;
            File.WriteAllBytes(kept, bytes);
        }
        var third = Measure("a", judged, real, 20, seed: 1, Features, cache);

        Assert.Equal((60, 20), (firstCount, secondCount));
        Assert.Equal(first.Generated.FdResnet18, second.Generated.FdResnet18, 6);
        Assert.Equal(first.Floor, third.Floor);
        Assert.Equal(60 + 20 + 60, computed);
    }

    /// <summary>An evaluation as 'dcgan evaluate' makes one: prepared against the real images at N, then one set judged.</summary>
    private static ImageNetReport Measure(string subject, ImageSet judged, ImageSet real, int asked, long seed, Func<ImageSet, torch.Tensor> features, string? cache = null)
    {
        using var comparison = ImageNetComparison.Prepare(real, Math.Min(asked, judged.Count), seed, features, cacheFolder: cache);
        return comparison.Measure(subject, judged);
    }

    /// <summary>A colour run measured with nothing but --run: on ImageNet features against its own folder, as run.json
    /// records it (its shape and folder options, so its own prepared copy), with no evaluator and no download (before, it went for MNIST and ended in ten lines of
    /// offline advice); its evaluations during training (--eval-every, no evaluator) are the same numbers, tabulated by
    /// 'runs --evaluations'; and two folders compared, one the generated images as 'generate --out FOLDER/' writes them.</summary>
    [Fact]
    public void A_colour_run_is_measured_against_its_own_images_and_two_folders_against_each_other()
    {
        using var dir = new TempFolder();
        string folder = Fixtures.ColourFolder(dir, perClass: 20);
        var offline = new Dictionary<string, string> { ["DCGAN_MIRRORS"] = "http://127.0.0.1:9/nothing/" };
        var train = DcganProcess.Run(offline, "train", "--data", folder, "--image-size", "16", "--recipe", "dcgan", "--epochs", "1", "--batch-size", "8",
            "--background", "black", "--fit", "crop", "--skip-self-check", "--eval-every", "1", "--eval-count", "20", "--out", dir.File("run"));
        Assert.True(train.ExitCode == 0, train.Err);

        var evaluated = DcganProcess.Run(offline, "evaluate", "--run", dir.File("run"), "--count", "20", "--json");
        var byCheckpoint = DcganProcess.Run(offline, "evaluate", "--checkpoint", Path.Combine(dir.File("run"), "checkpoints", "epoch-0001.ckpt"), "--count", "20", "--json");
        var table = DcganProcess.Run(offline, "runs", dir.Path, "--evaluations");
        var record = new Runs.RunFolder(dir.File("run")).Metrics.Read().Single();
        var pngs = DcganProcess.Run(offline, "generate", "--run", dir.File("run"), "--out", dir.File("drawn") + "/", "--count", "20");
        var folders = DcganProcess.Run(offline, "evaluate", "--samples", dir.File("drawn"), "--data", folder, "--image-size", "16", "--imagenet");

        Assert.True(evaluated.ExitCode == 0, evaluated.Err);
        Assert.DoesNotContain("Download", evaluated.Err);
        // Read as the run read it (black background, cropped, as run.json records): its prepared copy, not another.
        Assert.Contains("Preparing", train.Out + train.Err);
        Assert.DoesNotContain("Preparing", evaluated.Out + evaluated.Err);
        Assert.Equal("#000000", (string)new Runs.RunFolder(dir.File("run")).ReadRecord()["data"]!["folder"]!["background"]!);
        var json = JsonNode.Parse(evaluated.Out)!;
        Assert.Equal(20, (int)json["n"]!);
        Assert.InRange((double)json["floor"]!["fd_resnet18"]!, 0, (double)json["fd_resnet18"]!); // real images nearer the reference than a 1-epoch generator's
        // The same N, seed, noise and reference during training as after: the same numbers.
        Assert.Equal(((double)json["fd_resnet18"]!, (double)json["floor"]!["fd_resnet18"]!), ((double)record["fd_resnet18"]!, (double)record["floor"]!["fd_resnet18"]!));
        Assert.Null(record["evaluator"]);
        Assert.True(byCheckpoint.ExitCode == 0, byCheckpoint.Err); // a checkpoint in its run's folder finds the run's data too
        Assert.Equal((double)json["fd_resnet18"]!, (double)JsonNode.Parse(byCheckpoint.Out)!["fd_resnet18"]!);
        Assert.True(table.ExitCode == 0, table.Err);
        Assert.Contains("on ImageNet features (ResNet-18; not Inception's FID)", table.Out);
        Assert.Contains(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"| 1 | {(double)record["fd_resnet18"]!:F1} / "), table.Out);
        Assert.True(pngs.ExitCode == 0, pngs.Err);
        Assert.True(folders.ExitCode == 0, folders.Err);
        Assert.Contains("FD-ResNet18", folders.Out);
        Assert.Contains("not Inception's FID", folders.Out);
    }
}
