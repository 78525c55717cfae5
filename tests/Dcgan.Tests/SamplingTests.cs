using Dcgan.Generation;
using Dcgan.Runs;
using Dcgan.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Generator = Dcgan.Models.Generator;

namespace Dcgan.Tests;

/// <summary>The moving average of the generator's weights, and the batch-norm statistics sampling uses.</summary>
public class SamplingTests
{
    private static List<NormBase> Norms(Generator g) => [.. g.modules().OfType<NormBase>()];

    private static List<Tensor> Statistics(Generator g) =>
        [.. Norms(g).SelectMany(n => new[] { n.running_mean!.clone(), n.running_var!.clone(), n.num_batches_tracked!.clone() })];

    [Fact]
    public void The_average_generator_follows_the_moving_average_with_its_warm_up()
    {
        torch.manual_seed(3);
        using var gan = new Gan(Recipe.DcganEma with { EmaDecay = 0.5 }); // small, so that the warm-up (1 + t) / (10 + t) binds first
        using var images = Fixtures.Images(8).ToTensor();
        var expected = gan.Generator.parameters().Select(p => p.detach().to(float64)).ToList();

        for (int t = 1; t <= 12; t++)
        {
            gan.TrainStep(images);
            double decay = Math.Min(0.5, (1.0 + t) / (10.0 + t));
            expected = [.. expected.Zip(gan.Generator.parameters(), (e, w) => e * decay + w.detach().to(float64) * (1 - decay))];
        }

        foreach (var (average, e) in gan.AverageGenerator!.parameters().Zip(expected))
        {
            Assert.True((average.to(float64) - e).abs().max().item<double>() < 1e-6);
        }
        Assert.All(gan.AverageGenerator.buffers().Zip(gan.Generator.buffers()), b => Assert.True(Fixtures.Identical(b.First, b.Second)));
        Assert.False(Fixtures.Identical(gan.AverageGenerator.parameters().First(), gan.Generator.parameters().First()));
        Assert.Same(gan.AverageGenerator, gan.SamplingGenerator);
    }

    [Fact]
    public void Precise_statistics_average_batches_of_their_own_noise_and_leave_model_and_random_state_as_they_were()
    {
        torch.manual_seed(4);
        using var g = new Generator();
        using var rngBefore = torch.random.get_rng_state();
        var before = Statistics(g);
        var bn1 = Norms(g)[0];

        // The oracle, in float64: bn1 sees dense(noise); precise statistics are the plain average over the batches of
        // each batch's mean and (unbiased) variance.
        using var random = new torch.Generator(0);
        using var weight = g.Layers.named_children().First().module.parameters().First().detach().to(float64);
        var batches = Enumerable.Range(0, SamplingStatistics.PreciseBatches)
            .Select(_ => torch.randn([SamplingStatistics.PreciseBatchSize, Generator.NoiseDim], generator: random).to(float64).matmul(weight.t())).ToList();
        var mean = torch.stack(batches.Select(b => b.mean([0]))).mean([0]);
        var variance = torch.stack(batches.Select(b => b.var(0))).mean([0]);

        using (SamplingStatistics.Enter(g, BatchNormMode.Precise))
        {
            Assert.False(g.training);
            Assert.True((bn1.running_mean!.to(float64) - mean).abs().max().item<double>() < 1e-4);
            Assert.True(((bn1.running_var!.to(float64) - variance).abs() / variance).max().item<double>() < 1e-4);
        }

        using var rngAfter = torch.random.get_rng_state();
        Assert.True(Fixtures.Identical(rngBefore, rngAfter), "precise statistics drew from torch's global random numbers");
        Assert.All(Statistics(g).Zip(before), s => Assert.True(Fixtures.Identical(s.First, s.Second)));
        Assert.Equal(0.01, bn1.momentum);
        Assert.True(g.training);
    }

    [Fact]
    public void Batch_statistics_sample_as_training_mode_does_and_keep_the_moving_ones()
    {
        torch.manual_seed(5);
        using var g = new Generator();
        using var noise = torch.randn(12, Generator.NoiseDim);
        var before = Statistics(g);
        Tensor expected;
        using (torch.no_grad())
        {
            g.train();
            expected = g.call(noise);
        }
        foreach (var (norm, i) in Norms(g).Select((n, i) => (n, i)))
        {
            norm.running_mean!.copy_(before[3 * i]);
            norm.running_var!.copy_(before[3 * i + 1]);
            norm.num_batches_tracked!.copy_(before[3 * i + 2]);
        }
        g.eval();

        using var actual = Sampler.Generate(g, noise, BatchNormMode.Batch);
        using var moving = Sampler.Generate(g, noise, BatchNormMode.Moving);

        Assert.True(Fixtures.Identical(expected, actual));
        Assert.False(Fixtures.Identical(expected, moving));
        Assert.All(Statistics(g).Zip(before), s => Assert.True(Fixtures.Identical(s.First, s.Second)));
        Assert.False(g.training);
    }

    [Fact]
    public void A_run_with_a_moving_average_resumes_bit_for_bit_and_samples_from_it()
    {
        using var dir = new TempFolder();
        var options = new TrainOptions { Recipe = "dcgan-ema", Epochs = 3, BatchSize = 16, ExamplesToGenerate = 4, Seed = 9, CheckpointEvery = 1 };

        var (whole, resumed) = RunAssert.TrainWholeAndResumed(dir, Fixtures.Images(40), options);

        RunAssert.SameFinalWeights(whole, resumed); // the average generator included
        using var models = Checkpoint.LoadModels(whole.LatestCheckpoint()!);
        Assert.NotNull(models.AverageGenerator);
        Assert.Same(models.AverageGenerator, models.Weights(null));
        Assert.Same(models.Generator, models.Weights(SamplingWeights.Raw));
        // The grids, drawn from the average with precise statistics, agree to the byte.
        Assert.Equal(File.ReadAllBytes(whole.ImageAtEpoch(3)), File.ReadAllBytes(resumed.ImageAtEpoch(3)));
    }

    [Fact]
    public void A_run_with_the_R1_penalty_resumes_bit_for_bit()
    {
        using var dir = new TempFolder();
        // Five steps an epoch: every 16 steps, the penalty falls on step 0 of 10, not on step 5, the first after the
        // resume, which a count kept outside the checkpoint would start again from 0.
        var options = new TrainOptions { Recipe = "adam-b0-ema-b64-nodrop-r1", Epochs = 2, BatchSize = 8, ExamplesToGenerate = 4, Seed = 5, CheckpointEvery = 1, SelfCheck = false };

        var (whole, resumed) = RunAssert.TrainWholeAndResumed(dir, Fixtures.Images(40), options);

        RunAssert.SameFinalWeights(whole, resumed);
    }

    [Fact]
    public void The_raw_weights_are_all_a_checkpoint_without_an_average_has()
    {
        using var dir = new TempFolder();
        var run = new RunFolder(dir.File("run"));
        Trainer.Run(Fixtures.Images(20), new TrainOptions { Epochs = 1, BatchSize = 10, ExamplesToGenerate = 4, Seed = 1 }, run);

        using var models = Checkpoint.LoadModels(run.LatestCheckpoint()!);

        Assert.Null(models.AverageGenerator);
        Assert.Same(models.Generator, models.Weights(null));
        var e = Assert.Throws<ArgumentException>(() => models.Weights(SamplingWeights.Ema));
        Assert.Contains("keeps no moving average", e.Message);
    }
}
