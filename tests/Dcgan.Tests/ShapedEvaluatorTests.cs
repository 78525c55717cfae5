using System.Text.Json.Nodes;
using Dcgan.Data;
using Dcgan.Evaluation;
using Dcgan.Training;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Dcgan.Tests;

/// <summary>An evaluator for labelled images of any shape: a folder of three classes of colour pictures made here,
/// with no test split of its own.</summary>
public class ShapedEvaluatorTests
{
    private const int PerClass = 150, Side = 16;

    /// <summary>Three classes of 16x16 colour pictures, each varied at random: red horizontal stripes, green vertical
    /// stripes, blue checks, each at a random phase and brightness.</summary>
    private static string MakeFolder(TempFolder dir)
    {
        var random = new Random(5);
        string[] classes = ["checks", "columns", "rows"];
        for (int k = 0; k < classes.Length; k++)
        {
            Directory.CreateDirectory(dir.File($"pics/{classes[k]}"));
            for (int i = 0; i < PerClass; i++)
            {
                int phase = random.Next(4), period = 2 + random.Next(3);
                byte bright = (byte)(150 + random.Next(100));
                using var image = new Image<Rgb24>(Side, Side);
                for (int y = 0; y < Side; y++)
                {
                    for (int x = 0; x < Side; x++)
                    {
                        bool on = k switch
                        {
                            0 => ((x + phase) / period + (y / period)) % 2 == 0,
                            1 => (x + phase) / period % 2 == 0,
                            _ => (y + phase) / period % 2 == 0,
                        };
                        image[x, y] = !on ? new Rgb24(20, 20, 20) : k switch
                        {
                            0 => new Rgb24(0, 0, bright),
                            1 => new Rgb24(0, bright, 0),
                            _ => new Rgb24(bright, 0, 0),
                        };
                    }
                }
                image.SaveAsPng(dir.File($"pics/{classes[k]}/{i:D3}.png"));
            }
        }
        return dir.File("pics");
    }

    [Fact]
    public void The_held_out_split_takes_the_same_share_of_each_class_the_same_way_every_time()
    {
        byte[] labels = [.. Enumerable.Range(0, 100).Select(i => (byte)(i < 60 ? 0 : i < 90 ? 1 : 2))];
        var pixels = Fixtures.Images(100).CopyPixels();
        for (int i = 0; i < 100; i++)
        {
            pixels[i * 784] = (byte)i; // every image its own
        }
        var images = new ImageSet(pixels, 100, 28, 28).WithLabels(labels);

        var (train, test) = HeldOut.Split(images, seed: 3);
        var (_, again) = HeldOut.Split(images, seed: 3);
        var (_, other) = HeldOut.Split(images, seed: 4);

        Assert.Equal(new[] { 9, 5, 2 }, test.Labels!.GroupBy(l => l).OrderBy(g => g.Key).Select(g => g.Count())); // 15 % of 60, 30, 10, rounded
        Assert.Equal(84, train.Count);
        Assert.Equal(test.CopyPixels(), again.CopyPixels());
        Assert.NotEqual(test.CopyPixels(), other.CopyPixels());
        byte[] trainPixels = train.CopyPixels(), testPixels = test.CopyPixels();
        var trainImages = Enumerable.Range(0, train.Count).Select(i => Convert.ToHexString(trainPixels, i * 784, 784)).ToHashSet();
        Assert.DoesNotContain(Enumerable.Range(0, test.Count), i => trainImages.Contains(Convert.ToHexString(testPixels, i * 784, 784)));
    }

    [Fact]
    public void On_a_folder_real_images_score_near_the_floor_and_one_image_repeated_far_below_it()
    {
        using var dir = new TempFolder();
        string pics = MakeFolder(dir);
        string evaluator = dir.File("pics.evaluator");
        using (var loose = new Image<Rgb24>(Side, Side))
        {
            loose.SaveAsPng(Path.Combine(pics, "loose.png")); // in no class: left out, with a note, which evaluate --json keeps off stdout
        }

        var train = DcganProcess.Run([], "evaluator", "train", "--data", pics, "--image-size", "16", "--epochs", "4", "--out", evaluator);
        Assert.True(train.ExitCode == 0, train.Err);
        Assert.Contains("holding out 15% of each class (69 images, seed 1)", train.Out); // 22.5, rounded up, of each class
        Assert.Contains("over 3 classes", train.Out);

        // Generated stand-ins: real images the evaluator trained on, in another order; and one image 240 times.
        var all = DataSource.Load(new DataRequest { Data = pics, ImageSize = Side, Channels = 3 }, Split.Train).Images;
        var (rest, _) = HeldOut.Split(all, seed: 1);
        var shuffled = rest.Select([.. Enumerable.Range(0, rest.Count).Reverse()]);
        IdxFile.WriteImages(dir.File("real.idx"), shuffled);
        IdxFile.WriteImages(dir.File("same.idx"), rest.Select([.. Enumerable.Repeat(7, 240)]));

        JsonNode Evaluate(string samples)
        {
            var run = DcganProcess.Run([], "evaluate", "--samples", dir.File(samples), "--evaluator", evaluator, "--json");
            Assert.True(run.ExitCode == 0, run.Err);
            return JsonNode.Parse(run.Out)!;
        }
        var realReport = Evaluate("real.idx");
        var sameReport = Evaluate("same.idx");
        // The evaluator's report sits beside the ImageNet features', which say the same of these two.
        var (real, same) = (realReport["evaluator"]!, sameReport["evaluator"]!);
        Assert.True((double)sameReport["fd_resnet18"]! > 10 * (double)realReport["fd_resnet18"]!, $"{sameReport["fd_resnet18"]} against {realReport["fd_resnet18"]}");

        double Fd(JsonNode report, string part) => (double)report[part]!["frechet_distance_features"]!;
        double floor = Fd(real, "floor");
        Assert.True(Fd(real, "model") < 3 * floor + 1, $"real images: FD {Fd(real, "model")}, floor {floor}");
        Assert.True(Fd(same, "model") > 10 * Fd(real, "model"), $"one image repeated: FD {Fd(same, "model")}, real images {Fd(real, "model")}");
        Assert.True((double)same["model"]!["recall"]! < 0.2);
        Assert.True((double)same["model"]!["classifier_score"]! < 1.1 && (double)real["model"]!["classifier_score"]! > 2.5); // 3 classes at most
        Assert.True((double)real["model"]!["recall"]! > 0.6);
    }

    [Fact]
    public void Images_or_a_checkpoint_of_another_shape_than_the_evaluators_are_refused_in_one_line()
    {
        using var dir = new TempFolder();
        string pics = MakeFolder(dir);
        string evaluator = dir.File("pics.evaluator");
        Assert.Equal(0, DcganProcess.Run([], "evaluator", "train", "--data", pics, "--image-size", "16", "--epochs", "1", "--out", evaluator).ExitCode);
        IdxFile.WriteImages(dir.File("gray32.idx"), Fixtures.Images(40, 32, 32));
        using (var gan = new Gan())
        {
            Fixtures.SaveCheckpoint(dir.File("digits.ckpt"), gan, Recipe.Tutorial, epoch: 3);
        }

        var samples = DcganProcess.Run([], "evaluate", "--samples", dir.File("gray32.idx"), "--evaluator", evaluator);
        var checkpoint = DcganProcess.Run([], "evaluate", "--checkpoint", dir.File("digits.ckpt"), "--evaluator", evaluator);

        Assert.NotEqual(0, samples.ExitCode);
        Assert.Contains("are 32x32 gray images; the evaluator", samples.Err);
        Assert.Contains("judges 16x16 colour images", samples.Err);
        Assert.Single(samples.Err.TrimEnd().Split('\n'));
        // Said before 10,000 images are drawn: the generator's shape, not its drawn images', is refused.
        Assert.NotEqual(0, checkpoint.ExitCode);
        Assert.Contains("the checkpoint of epoch 3 draws 28x28 gray images; the evaluator", checkpoint.Err);
        Assert.Single(checkpoint.Err.TrimEnd().Split('\n'));
    }
}
