using Dcgan.Models;
using Dcgan.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Generator = Dcgan.Models.Generator;

namespace Dcgan.Tests;

/// <summary>The DCGAN paper's pair, derived from the image's shape: the shapes after every layer and the parameter
/// counts, worked out by hand from the paper's rule (4x4 kernels, each layer doubling or halving the side and the
/// channels), and pytorch/examples' printed totals for its 64x64 colour models.</summary>
public class PaperModelTests
{
    private static List<(string Name, long[] Shape)> ShapesAfterEachLayer(Sequential layers, Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var shapes = new List<(string, long[])>();
        var x = input;
        foreach (var (name, module) in layers.named_children())
        {
            x = ((nn.Module<Tensor, Tensor>)module).call(x);
            shapes.Add((name, x.shape));
        }
        return shapes;
    }

    [Theory]
    [InlineData(16, 1, 64)]
    [InlineData(32, 1, 64)]
    [InlineData(32, 3, 64)]
    [InlineData(64, 1, 64)]
    [InlineData(64, 3, 64)]
    [InlineData(128, 3, 64)]
    [InlineData(128, 1, 32)]
    [InlineData(256, 3, 8)]
    public void Each_layer_doubles_the_side_and_halves_the_channels(int size, int channels, int width)
    {
        var shape = new ImageShape(channels, size);
        int doublings = (int)Math.Log2(size / 4);
        torch.manual_seed(1);
        using var g = Generator.For(shape, width);
        using var d = Discriminator.For(shape, width);
        using var noise = torch.randn(2, Generator.NoiseDim);
        using var images = torch.rand(2, channels, size, size) * 2 - 1;

        long c = (long)width << (doublings - 1);
        var expectedG = new List<(string, long[])> { ("project", [2, c, 4, 4]), ("bn1", [2, c, 4, 4]), ("relu1", [2, c, 4, 4]) };
        for (int i = 2, side = 8; i <= doublings; i++, side *= 2, c /= 2)
        {
            expectedG.AddRange([($"deconv{i}", [2, c / 2, side, side]), ($"bn{i}", [2, c / 2, side, side]), ($"relu{i}", [2, c / 2, side, side])]);
        }
        expectedG.AddRange([($"deconv{doublings + 1}", [2, channels, size, size]), ("tanh", [2, channels, size, size])]);
        Assert.Equal(expectedG, ShapesAfterEachLayer(g.Layers, noise), ShapeComparer.Instance);

        var expectedD = new List<(string, long[])> { ("conv1", [2, width, size / 2, size / 2]), ("leaky1", [2, width, size / 2, size / 2]) };
        c = width;
        for (int i = 2, side = size / 4; i <= doublings; i++, side /= 2, c *= 2)
        {
            expectedD.AddRange([($"conv{i}", [2, 2 * c, side, side]), ($"bn{i}", [2, 2 * c, side, side]), ($"leaky{i}", [2, 2 * c, side, side])]);
        }
        expectedD.AddRange([("flatten", [2, c * 16]), ("dense", [2, 1])]);
        Assert.Equal(expectedD, ShapesAfterEachLayer(d.Layers, images), ShapeComparer.Instance);
        Assert.Equal(c * 16, d.FeatureSize);
    }

    [Fact]
    public void The_64x64_colour_pair_has_pytorch_examples_parameter_counts()
    {
        // pytorch/examples' dcgan with nz 100, ngf = ndf = 64, nc 3: kernels in, out, 4, 4; batch norms a scale and a shift.
        long g = 100 * 512 * 16 + 512 * 256 * 16 + 256 * 128 * 16 + 128 * 64 * 16 + 64 * 3 * 16 + 2 * (512 + 256 + 128 + 64);
        long d = 3 * 64 * 16 + 64 * 128 * 16 + 128 * 256 * 16 + 256 * 512 * 16 + 512 * 16 + 2 * (128 + 256 + 512);
        using var generator = Generator.Paper(new ImageShape(3, 64), 64);
        using var discriminator = Discriminator.Paper(new ImageShape(3, 64), 64);

        Assert.Equal((g, d), (generator.parameters().Sum(p => p.numel()), discriminator.parameters().Sum(p => p.numel())));
        Assert.Equal((3_576_704L, 2_765_568L), (g, d));
    }

    [Fact]
    public void Weights_are_drawn_as_the_paper_says()
    {
        torch.manual_seed(5);
        using var g = Generator.Paper(new ImageShape(3, 64), 64);
        using var d = Discriminator.Paper(new ImageShape(3, 64), 64);
        foreach (var (name, p) in g.named_parameters().Concat(d.named_parameters()))
        {
            (double mean, double std) = name.Contains(".bn", StringComparison.Ordinal)
                ? name.EndsWith("weight", StringComparison.Ordinal) ? (1, 0.02) : (0, 0)
                : (0, 0.02);
            Assert.Equal(mean, p.mean().item<float>(), 2);
            Assert.Equal(std, p.numel() > 1 ? p.std().item<float>() : 0, 2);
        }
        Assert.DoesNotContain(g.named_parameters().Concat(d.named_parameters()),
            p => p.name.EndsWith("bias", StringComparison.Ordinal) && !p.name.Contains(".bn", StringComparison.Ordinal));
        var leaky = d.Layers.named_children().First(c => c.name == "leaky1").module;
        using var minusOne = torch.tensor(new[] { -1f });
        Assert.Equal(-0.2f, ((nn.Module<Tensor, Tensor>)leaky).call(minusOne).item<float>(), 6);
    }

    [Theory]
    [InlineData(28, 3)]
    [InlineData(48, 3)]
    [InlineData(100, 1)]
    [InlineData(512, 3)]
    [InlineData(64, 4)]
    public void Sizes_the_models_cannot_reach_are_refused(int size, int channels)
    {
        var shape = new ImageShape(channels, size);
        Assert.NotNull(shape.Problem());
        Assert.Throws<ArgumentException>(() => Generator.For(shape, 64));
        Assert.Throws<ArgumentException>(() => Recipe.Named("dcgan").For(shape));
    }

    [Fact]
    public void A_recipe_is_for_one_pair_of_models()
    {
        Assert.Throws<ArgumentException>(() => Recipe.Named("dcgan").For(ImageShape.Tutorial));
        Assert.Throws<ArgumentException>(() => Recipe.Tutorial.For(new ImageShape(3, 32)));
        var dcgan = Recipe.Named("dcgan").For(new ImageShape(1, 32));
        using var gan = new Gan(dcgan);
        Assert.Equal(new ImageShape(1, 32), gan.Generator.Shape);
        Assert.Equal(new ImageShape(3, 64), Recipe.Named("dcgan").Shape); // the paper's, until data sets one
        Assert.True(Recipe.Named("dcgan").TrainsAs(dcgan));
    }

    private sealed class ShapeComparer : IEqualityComparer<(string, long[])>
    {
        public static readonly ShapeComparer Instance = new();

        public bool Equals((string, long[]) x, (string, long[]) y) => x.Item1 == y.Item1 && x.Item2.SequenceEqual(y.Item2);

        public int GetHashCode((string, long[]) obj) => obj.Item1.GetHashCode(StringComparison.Ordinal);
    }
}

/// <summary>A run of the paper's models in colour, end to end: the grid in colour, the shape in the checkpoint, and a
/// resume with images of another shape refused before anything is written.</summary>
public class ColourRunTests
{
    private static Data.ImageSet ColourImages(int count, int side)
    {
        var pixels = new byte[count * 3 * side * side];
        new Random(5).NextBytes(pixels);
        return new Data.ImageSet(pixels, count, side, side, channels: 3);
    }

    [Fact]
    public void A_colour_run_saves_its_shape_and_refuses_to_resume_on_another()
    {
        using var dir = new TempFolder();
        var run = new Runs.RunFolder(dir.File("run"));
        var options = new Runs.TrainOptions { Epochs = 1, Seed = 3, Recipe = Recipe.Named("dcgan") with { Name = "narrow", Width = 8, BatchSize = 16 } };

        Runs.Trainer.Run(ColourImages(40, 16), options, run);

        var saved = Checkpoint.ReadRecipe(run.Checkpoints()[^1]);
        Assert.Equal(new ImageShape(3, 16), saved.Shape);
        using (var grid = SkiaSharp.SKBitmap.Decode(run.ImageAtEpoch(1)))
        {
            Assert.NotEqual(SkiaSharp.SKColorType.Gray8, grid.ColorType);
            Assert.Contains(grid.Pixels, p => p.Red != p.Green || p.Green != p.Blue); // the tiles in colour
            Assert.Equal(4 + 4 * (16 * Imaging.ImageGrid.ScaleFor(16) + 4), grid.Width);
        }
        var before = File.ReadAllBytes(run.Checkpoints()[^1]);
        var e = Assert.Throws<Runs.ShapeMismatchException>(() => Runs.Trainer.Prepare(ColourImages(40, 32), options with { Epochs = 2, Recipe = null }, run));
        Assert.Equal((new ImageShape(3, 16), new ImageShape(3, 32)), (e.Saved, e.Given));
        Assert.Equal(before, File.ReadAllBytes(run.Checkpoints()[^1]));
        using var models = Checkpoint.LoadModels(run.Checkpoints()[^1]);
        Assert.Equal(new ImageShape(3, 16), models.Generator.Shape);
    }
}
