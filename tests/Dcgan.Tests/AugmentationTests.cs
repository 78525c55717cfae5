using Dcgan.Runs;
using Dcgan.Training;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using static TorchSharp.torch;

namespace Dcgan.Tests;

/// <summary>DiffAugment's operations against loops over float64 arrays written from its definitions, their gradients
/// against finite differences, and the recipe field that turns them on.</summary>
public class AugmentationTests
{
    private static Tensor Images(long b, long c, long h, long w, long seed)
    {
        using var random = new torch.Generator((ulong)seed);
        return torch.rand([b, c, h, w], dtype: float64, generator: random) * 2 - 1;
    }

    private static double[] Values(Tensor t) => t.contiguous().data<double>().ToArray();

    [Fact]
    public void Translation_moves_each_image_by_its_own_shift_with_zeros_where_it_leaves_the_frame()
    {
        using var x = Images(3, 2, 8, 6, seed: 1);
        long[] dy = [-1, 0, 3], dx = [2, -2, 0];

        using var moved = Augmentation.Translate(x, torch.tensor(dy), torch.tensor(dx));

        double[] input = Values(x), output = Values(moved);
        for (int b = 0; b < 3; b++)
        {
            for (int c = 0; c < 2; c++)
            {
                for (int i = 0; i < 8; i++)
                {
                    for (int j = 0; j < 6; j++)
                    {
                        long si = i + dy[b], sj = j + dx[b];
                        double expected = si is >= 0 and < 8 && sj is >= 0 and < 6 ? input[((b * 2 + c) * 8 + si) * 6 + sj] : 0;
                        Assert.Equal(expected, output[((b * 2 + c) * 8 + i) * 6 + j]);
                    }
                }
            }
        }
    }

    [Theory]
    [InlineData(8, 4, 4)]   // even square (4), inside
    [InlineData(8, 0, 8)]   // centred on the edges: cut to a quarter of it
    [InlineData(7, 6, 1)]   // odd side: a square of 4 (7 / 2, rounded), rows 4..7 cut at 6
    public void Cutout_zeroes_a_square_of_half_the_side_around_its_centre_cut_at_the_edges(long side, long cy, long cx)
    {
        using var x = Images(2, 3, side, side, seed: 2);

        using var cut = Augmentation.Cutout(x, torch.tensor(new[] { cy, 1L }), torch.tensor(new[] { cx, 2L }));

        long size = (long)Math.Round(side / 2.0, MidpointRounding.AwayFromZero);
        Assert.Equal(size, Augmentation.CutoutSize(side));
        double[] input = Values(x), output = Values(cut);
        long[] cys = [cy, 1], cxs = [cx, 2];
        int zeroed = 0;
        for (int b = 0; b < 2; b++)
        {
            for (int c = 0; c < 3; c++)
            {
                for (int i = 0; i < side; i++)
                {
                    for (int j = 0; j < side; j++)
                    {
                        bool inside = i >= cys[b] - size / 2 && i < cys[b] - size / 2 + size && j >= cxs[b] - size / 2 && j < cxs[b] - size / 2 + size;
                        long at = ((b * 3 + c) * side + i) * side + j;
                        Assert.Equal(inside ? 0 : input[at], output[at]);
                        zeroed += inside ? 1 : 0;
                    }
                }
            }
        }
        Assert.True(zeroed > 0, "a cutout that removes nothing tests nothing");
    }

    [Fact]
    public void Colour_shifts_brightness_and_scales_saturation_and_contrast_about_their_means()
    {
        using var x = Images(2, 3, 4, 5, seed: 3);
        double[] b = [0.3, -0.2], s = [1.7, 0.4], k = [0.6, 1.3];

        using var bright = Augmentation.Brightness(x, torch.tensor(b, dtype: float64).view(2, 1, 1, 1));
        using var saturated = Augmentation.Saturation(x, torch.tensor(s, dtype: float64).view(2, 1, 1, 1));
        using var contrasted = Augmentation.Contrast(x, torch.tensor(k, dtype: float64).view(2, 1, 1, 1));

        double[] input = Values(x);
        double At(int n, int c, int p) => input[(n * 3 + c) * 20 + p];
        for (int n = 0; n < 2; n++)
        {
            double imageMean = Enumerable.Range(0, 3).Sum(c => Enumerable.Range(0, 20).Sum(p => At(n, c, p))) / 60;
            for (int p = 0; p < 20; p++)
            {
                double pixelMean = (At(n, 0, p) + At(n, 1, p) + At(n, 2, p)) / 3;
                for (int c = 0; c < 3; c++)
                {
                    int at = (n * 3 + c) * 20 + p;
                    Assert.Equal(At(n, c, p) + b[n], Values(bright)[at], 1e-12);
                    Assert.Equal((At(n, c, p) - pixelMean) * s[n] + pixelMean, Values(saturated)[at], 1e-12);
                    Assert.Equal((At(n, c, p) - imageMean) * k[n] + imageMean, Values(contrasted)[at], 1e-12);
                }
            }
        }
    }

    /// <summary>Every operation is affine in the pixels, so the gradient autograd carries back through the whole
    /// policy equals central differences in float64 to rounding; and so does its second derivative, which R1 takes:
    /// the gradient of |d(w . f(x)) / dx|^2 with respect to w.</summary>
    [Fact]
    public void The_gradient_through_the_whole_policy_and_its_second_derivative_agree_with_finite_differences()
    {
        using var x = Images(2, 3, 8, 8, seed: 4);
        using var w = Images(2, 3, 8, 8, seed: 5).requires_grad_(true);
        var augmentation = new Augmentation(Augmentation.Operations, 1);
        torch.Tensor Augmented(Tensor input, ulong seed)
        {
            using var random = new torch.Generator(seed);
            using var loan = Models.RandomLoan.Of(random);
            return augmentation.Apply(input);
        }

        using var leaf = x.clone().requires_grad_(true);
        using var output = (Augmented(leaf, 7) * w).sum();
        using var gradient = torch.autograd.grad([output], [leaf], create_graph: true)[0];
        using var penalty = gradient.square().sum();
        using var penaltyGradient = torch.autograd.grad([penalty], [w])[0];

        const double h = 1e-6;
        foreach (long[] index in new long[][] { [0, 0, 3, 3], [1, 2, 0, 7], [1, 1, 5, 2] })
        {
            double Output(double shift)
            {
                using var shifted = x.clone();
                shifted[index].add_(shift);
                using var o = (Augmented(shifted, 7) * w.detach()).sum();
                return o.item<double>();
            }
            Assert.Equal((Output(h) - Output(-h)) / (2 * h), gradient[index].item<double>(), 1e-6);
        }
        foreach (long[] index in new long[][] { [0, 1, 2, 2], [1, 0, 6, 1] })
        {
            double Penalty(double shift)
            {
                using var shifted = w.detach().clone();
                shifted[index].add_(shift);
                using var input = x.clone().requires_grad_(true);
                using var o = (Augmented(input, 7) * shifted).sum();
                using var g = torch.autograd.grad([o], [input])[0];
                return g.square().sum().item<double>();
            }
            double difference = (Penalty(h) - Penalty(-h)) / (2 * h);
            Assert.Equal(difference, penaltyGradient[index].item<double>(), 1e-5);
        }
        Assert.True(penaltyGradient.abs().sum().item<double>() > 0, "a zero second derivative tests nothing");
    }

    [Fact]
    public void Each_operation_is_drawn_per_image_with_its_probability_and_at_one_always()
    {
        using var x = Images(4000, 1, 8, 8, seed: 6);
        using var random = new torch.Generator(8);
        using var loan = Models.RandomLoan.Of(random);

        using var sometimes = new Augmentation(["cutout"], 0.3).Apply(x);
        using var always = new Augmentation(["cutout"], 1).Apply(x);

        // A cutout square always holds pixels that were not zero (they are uniform in [-1, 1]).
        double Share(Tensor augmented) => augmented.eq(0).flatten(1).any(1).to(float64).mean().item<double>();
        Assert.InRange(Share(sometimes), 0.27, 0.33); // 4,000 draws: 3 standard deviations is 0.022
        Assert.Equal(1, Share(always));
        using var nothing = new Augmentation(["translation"], 1).Apply(torch.zeros(3, 1, 8, 8, dtype: float64));
        Assert.Equal(0, nothing.abs().sum().item<double>());
    }

    [Theory]
    [InlineData("""{"policy": "color,blur"}""", "names 'blur'")]
    [InlineData("""{"policy": ""}""", "names no operation")]
    [InlineData("""{"policy": "cutout,cutout"}""", "names an operation twice")]
    [InlineData("""{"policy": "cutout", "p": 0}""", "probability must be above 0 and at most 1")]
    [InlineData("""{"policy": "cutout", "p": 1.5}""", "probability must be above 0 and at most 1")]
    [InlineData("""{"p": 0.5}""", "'policy'")]
    [InlineData("""{"policy": "cutout", "target": 1.2}""", "target for E[sign(D(real))] must be at least 0 and below 1")]
    [InlineData("""{"policy": "cutout", "ramp_images": 100}""", "give it a target too")]
    [InlineData("""{"policy": "cutout", "target": 0.6, "ramp_images": 0}""", "ramp_images must be at least 1 image")]
    [InlineData("""{"policy": "cutout", "target": 0.6, "p": -0.1}""", "first probability must be from 0 to 1")]
    [InlineData("""{"policy": "cutout", "target": 0.6, "speed": 2}""", "'speed'")]
    public void A_recipe_file_with_a_wrong_augmentation_is_refused_in_one_line(string augment, string expected)
    {
        string text = Recipe.Named("dcgan").ToJson(indented: true).TrimEnd().TrimEnd('}') + $", \"augment\": {augment} }}";

        var e = Assert.Throws<InvalidDataException>(() => Recipe.Parse(text, "small.json"));

        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void A_recipe_file_with_an_augmentation_reads_back_as_it_was_written_and_one_without_writes_no_field()
    {
        var augmented = Recipe.Named("dcgan") with { Name = "small", Augment = new("color,translation,cutout", 0.5) };

        var read = Recipe.Parse(augmented.ToJson(indented: true), "small.json");

        Assert.Equal(augmented, read);
        Assert.Contains("\"augment\":{\"policy\":\"color,translation,cutout\",\"p\":0.5}", augmented.ToJson());
        Assert.DoesNotContain("augment", Recipe.Named("dcgan").ToJson()); // the bytes of every recipe before it
        Assert.Contains("DiffAugment color,translation,cutout at p 0.5", read.Describe());
    }

    /// <summary>A run asked to augment (the train option, on any recipe) shows what the policy does before its first
    /// step, in a picture read back here by another library than the one that wrote it: a row of real images over the
    /// same images augmented. A resume that asks for another augmentation is refused, naming the saved one.</summary>
    [Fact]
    public void A_run_with_augmentation_previews_it_and_a_resume_asking_another_is_refused()
    {
        using var dir = new TempFolder();
        var run = new RunFolder(dir.File("run"));
        var data = Fixtures.Images(40);
        var options = new TrainOptions { Epochs = 1, BatchSize = 16, Seed = 3, Augment = new("translation,cutout") };

        Trainer.Run(data, options, run);

        using (var preview = Image.Load<Rgb24>(run.AugmentedRealsPath))
        {
            // Eight cells a row, two rows: as wide as four times its height, give or take the borders.
            Assert.InRange(preview.Width / (double)preview.Height, 3.8, 4.2);
        }
        Assert.Equal(options.Augment, CheckpointHeaderOf(run).Recipe.Augment);
        var other = Assert.Throws<RunConflictException>(() => Trainer.Run(data, options with { Epochs = 2, Augment = new("color") }, run));
        Assert.Equal(("augment", "translation,cutout", "translation,cutout"), (other.Setting, other.Saved, other.Resumable));
        Assert.Contains("holds a run with augment translation,cutout, not color", other.Message);
        Trainer.Run(data, options with { Epochs = 2, Augment = null }, run); // the saved run's own, unasked
        Assert.Equal(2, CheckpointHeaderOf(run).Epoch);
    }

    private static CheckpointHeader CheckpointHeaderOf(RunFolder run) => Checkpoint.ReadHeader(run.LatestCheckpoint()!);

    /// <summary>Only the discriminator's input is augmented: an epoch's grid of a run with cutout on every image is,
    /// pixel for pixel, its checkpoint's generator on the fixed noise, with no gray square or shifted border.</summary>
    [Fact]
    public void The_grids_of_a_run_with_augmentation_show_the_generator_alone()
    {
        using var dir = new TempFolder();
        var run = new RunFolder(dir.File("run"));
        Trainer.Run(Fixtures.Images(40), new TrainOptions { Epochs = 1, BatchSize = 16, Seed = 5, Augment = new("translation,cutout") }, run);

        var (checkpoint, gan) = Checkpoint.Load(run.LatestCheckpoint()!, recipe => new Gan(recipe));
        using (gan)
        {
            using var images = Generation.Sampler.Generate(gan.SamplingGenerator, checkpoint.FixedNoise, gan.Recipe.SamplingBatchNorm);
            string expected = dir.File("expected.png");
            Imaging.ImageGrid.SavePng(images, expected, Imaging.ImageGrid.SquareColumns(16));
            using var drawn = Image.Load<Rgb24>(run.ImageAtEpoch(1));
            using var alone = Image.Load<Rgb24>(expected);
            Assert.Equal((alone.Width, alone.Height), (drawn.Width, drawn.Height));
            for (int y = 0; y < drawn.Height; y++)
            {
                for (int x = 0; x < drawn.Width; x++)
                {
                    Assert.Equal(alone[x, y], drawn[x, y]);
                }
            }
        }
    }
}
