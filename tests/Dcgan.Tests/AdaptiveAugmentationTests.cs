using Dcgan.Runs;
using Dcgan.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Dcgan.Tests;

/// <summary>ADA's rule for the augmentation's probability, and a run that adapts it going on exactly from a checkpoint.</summary>
public class AdaptiveAugmentationTests
{
    /// <summary>The rule by hand: signs summed over four steps, r = their mean, p moved by the images seen over the
    /// ramp towards more augmentation when r is above the target, kept within [0, 1], and nothing between moves.</summary>
    [Fact]
    public void P_moves_every_four_steps_by_the_images_seen_over_the_ramp_towards_the_target()
    {
        using var rule = new AdaptiveAugmentation(new AugmentSettings("cutout", P: 0.5, Target: 0.6, RampImages: 100));
        using var mostlyReal = torch.tensor(new[] { 2.0f, 0.5f, 3f, -1f, 0f });   // signs 1, 1, 1, -1, 0: sum 2 of 5
        using var allReal = torch.tensor(new[] { 1f, 2f, 3f, 4f, 5f });            // sum 5 of 5

        for (int step = 1; step <= 4; step++)
        {
            rule.Observe(mostlyReal);
            rule.AdjustAfter(step);
            Assert.Equal(step < 4 ? 0.5 : 0.5 - 20 / 100.0, rule.P, 12); // r = 8/20 = 0.4 < 0.6: down by 20 images / 100
        }
        for (int step = 5; step <= 8; step++)
        {
            rule.Observe(allReal);
            rule.AdjustAfter(step);
        }
        Assert.Equal(0.3 + 0.2, rule.P, 12); // r = 1 > 0.6: up, counted from the last move only

        for (int step = 9; step <= 24; step++)
        {
            rule.Observe(allReal);
            rule.AdjustAfter(step);
        }
        Assert.Equal(1, rule.P); // kept at 1
    }

    /// <summary>A loop whose augmentation adapts, stopped between two moves of p (after step 7 of 8, three steps'
    /// signs counted), goes on from its checkpoint to the same p, the same count and the same weights as the loop that
    /// did not stop; the epoch's reported p is the one it ends at.</summary>
    [Fact]
    public void A_stopped_run_goes_on_from_its_checkpoint_with_the_same_p_and_count()
    {
        using var dir = new TempFolder();
        var images = Fixtures.Images(40);
        var recipe = Recipe.Tutorial with { BatchSize = 8, Augment = new("color,translation,cutout", P: 0.5, Target: 0.6, RampImages: 100) };
        torch.manual_seed(3);
        using var whole = new Gan(recipe);
        using var wholeShuffle = new torch.Generator(3);
        var wholeLoop = new TrainingLoop(whole, images, wholeShuffle);
        var ps = new List<float?>();
        wholeLoop.TrainEpoch(s => ps.Add(s.Losses.AugmentP));
        var wholeSecond = wholeLoop.TrainEpoch(s => ps.Add(s.Losses.AugmentP));

        Assert.All(ps.Take(4), p => Assert.Equal(0.5f, p));
        Assert.Contains((float)Math.Round(ps[4]!.Value, 2), new[] { 0.18f, 0.82f }); // moved by 32 images / 100 after step 4
        Assert.Equal((float?)whole.AugmentP, wholeSecond.AugmentP);

        torch.manual_seed(3);
        using (var stopped = new Gan(recipe))
        using (var shuffle = new torch.Generator(3))
        using (var noise = torch.zeros(1, 100))
        using (var stop = new CancellationTokenSource())
        {
            var loop = new TrainingLoop(stopped, images, shuffle);
            loop.TrainEpoch();
            Assert.Throws<OperationCanceledException>(() => loop.TrainEpoch(s =>
            {
                if (s.Step == 2)
                {
                    stop.Cancel();
                }
            }, stop.Token));
            loop.ToCheckpoint(3, "data", noise).Save(dir.File("stopped.ckpt"), stopped);
        }

        torch.manual_seed(99);
        using var goneOn = new Gan(recipe);
        using var goneOnShuffle = new torch.Generator(99);
        using var saved = Checkpoint.Load(dir.File("stopped.ckpt"), goneOn);
        saved.RestoreRandomState(goneOnShuffle);
        Assert.Equal(ps[6], (float?)goneOn.AugmentP);
        var goneOnSecond = new TrainingLoop(goneOn, images, goneOnShuffle, saved).TrainEpoch();

        Assert.Equal(wholeSecond, goneOnSecond);
        foreach (var ((name, module), (_, expected)) in goneOn.NamedModels().Zip(whole.NamedModels()))
        {
            var want = expected.state_dict();
            Assert.All(module.state_dict(), pair => Assert.True(Fixtures.Identical(pair.Value, want[pair.Key]), $"{name} {pair.Key}"));
        }
    }

    /// <summary>losses.csv has augment_p in a run with augmentation (the p each step used), and not in one without.</summary>
    [Fact]
    public void Losses_csv_logs_the_p_of_every_step_of_a_run_with_augmentation()
    {
        using var dir = new TempFolder();
        var run = new RunFolder(dir.File("run"));
        var plain = new RunFolder(dir.File("plain"));
        var options = new TrainOptions { Epochs = 1, BatchSize = 8, Seed = 4 };

        Trainer.Run(Fixtures.Images(40), options with { Augment = new("translation", Target: 0.6, RampImages: 50) }, run);
        Trainer.Run(Fixtures.Images(40), options, plain);

        Assert.EndsWith(",step_seconds,augment_p", File.ReadLines(run.LossesPath).First());
        Assert.EndsWith(",step_seconds", File.ReadLines(plain.LossesPath).First());
        var p = run.ReadLosses().Select(row => row[7]).ToList();
        Assert.Equal([0, 0, 0, 0], p.Take(4));
        Assert.Contains(p[4], new[] { 0, 0.64 }); // after step 4: 32 images over 50, up or held at 0
        Assert.All(plain.ReadLosses(), row => Assert.Equal(7, row.Length));
    }
}

/// <summary>Augmentation wherever a recipe may ask for it: bf16, the paper's models at another shape, labels.</summary>
public class AugmentationEverywhereTests
{
    [Theory]
    [InlineData("dcgan-improved", "bf16")]        // the paper's models at 16x16 colour, R1 on the first step, in bf16
    [InlineData("dcgan-conditional", "fp32")]     // labels: a projection discriminator and conditional batch norm
    [InlineData("conditional", "fp32")]           // the tutorial's models with labels, dropout
    public void A_step_with_adaptive_augmentation_trains_every_weight(string name, string precision)
    {
        var recipe = Recipe.Named(name) with { Precision = precision == "bf16" ? Models.Precision.Bf16 : Models.Precision.Fp32, Augment = new("color,translation,cutout", P: 0.5, Target: 0.6) };
        recipe = recipe.Models == ModelFamily.Paper ? recipe.For(new Models.ImageShape(3, 16)) with { Width = 8, CategoryNames = null } : recipe with { CategoryNames = null };
        torch.manual_seed(8);
        using var gan = new Gan(recipe);
        using var start = new Gan(recipe);
        foreach (var (from, to) in start.Generator.parameters().Concat(start.Discriminator.parameters()).Zip(gan.Generator.parameters().Concat(gan.Discriminator.parameters())))
        {
            using var noGrad = torch.no_grad();
            from.copy_(to);
        }
        using var images = torch.rand(8, recipe.Shape.Channels, recipe.Shape.Size, recipe.Shape.Size) * 2 - 1;
        using var labels = torch.arange(8, dtype: ScalarType.Int64) % 3;

        for (int step = 0; step < 4; step++)
        {
            var losses = gan.TrainStep(images, recipe.CodeFromLabels ? labels : null);
            Assert.True(float.IsFinite(losses.Generator) && float.IsFinite(losses.Discriminator), $"step {step + 1}: {losses}");
            Assert.Equal(0.5f, losses.AugmentP);
        }

        Assert.NotEqual(0.5, gan.AugmentP); // moved after step 4
        var moved = start.Generator.parameters().Concat(start.Discriminator.parameters())
            .Zip(gan.Generator.parameters().Concat(gan.Discriminator.parameters()), (s, g) => !Fixtures.Identical(s, g));
        Assert.All(moved, Assert.True);
    }
}
