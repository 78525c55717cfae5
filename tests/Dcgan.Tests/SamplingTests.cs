using Dcgan.Generation;
using Dcgan.Models;
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
        using var gan = new Gan(Recipe.Named("improved") with { EmaDecay = 0.5 }); // small, so that the warm-up (1 + t) / (10 + t) binds first
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
        using var g = Generator.Tutorial();
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
        using var g = Generator.Tutorial();
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
    public void A_run_with_a_moving_average_samples_from_it()
    {
        using var dir = new TempFolder();
        var run = new RunFolder(dir.File("run"));
        Trainer.Run(Fixtures.Images(40), new TrainOptions { Recipe = Recipe.Named("improved"), Epochs = 1, BatchSize = 16, ExamplesToGenerate = 4, Seed = 9 }, run);

        using var models = Checkpoint.LoadModels(run.LatestCheckpoint()!);
        Assert.NotNull(models.AverageGenerator);
        Assert.Same(models.AverageGenerator, models.Weights(null));
        Assert.Same(models.Generator, models.Weights(SamplingWeights.Raw));
    }

    /// <summary>(Resuming such runs bit for bit: TrainerTests, over the recipes.)</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_run_with_a_categorical_code_samples_from_the_code(bool fromLabels)
    {
        using var dir = new TempFolder();
        var coded = Recipe.Named("improved") with { Name = "coded", CodeCategories = 4, CodeWeight = 0.5, CodeFromLabels = fromLabels };
        File.WriteAllText(dir.File("coded.json"), coded.ToJson());
        var options = new TrainOptions { Recipe = Recipe.Resolve(dir.File("coded.json")), Epochs = 1, BatchSize = 8, ExamplesToGenerate = 6, Seed = 5 };
        var data = Fixtures.Images(40).WithLabels([.. Enumerable.Range(0, 40).Select(i => (byte)(i * 7 % 4))]);
        var whole = new RunFolder(dir.File("whole"));
        Trainer.Run(data, options, whole);

        using var models = Checkpoint.LoadModels(whole.LatestCheckpoint()!);
        Assert.Equal(new Latent(4), models.Generator.Latent);
        Assert.Equal(new Latent(4), models.AverageGenerator!.Latent);
        using var gan = new Gan(coded);
        using var checkpoint = Checkpoint.Load(whole.LatestCheckpoint()!, gan);
        Assert.Equal(new long[] { 0, 1, 2, 3, 0, 1 }, models.Generator.Latent.CategoriesOf(checkpoint.FixedNoise).data<long>().ToArray());
    }

    [Fact]
    public void Without_a_code_the_input_is_the_tutorials_noise_and_with_one_its_first_entries_are_a_uniform_one_hot_category()
    {
        using var random1 = new torch.Generator(3);
        using var random2 = new torch.Generator(3);
        using var random3 = new torch.Generator(3);
        var latent = new Latent(10);

        using var expected = torch.randn([600, 100], generator: random1);
        using var gaussian = Latent.Gaussian.Draw(600, random2);
        using var coded = latent.Draw(600, random3);
        using var inTurn = latent.DrawInTurn(12);

        Assert.True(Fixtures.Identical(expected, gaussian));
        Assert.True(Fixtures.Identical(expected.narrow(1, 10, 90), coded.narrow(1, 10, 90))); // the same noise after the code
        using var code = coded.narrow(1, 0, 10);
        Assert.True(((code == 0) | (code == 1)).all().item<bool>());
        Assert.True((code.sum(1) == 1).all().item<bool>());
        long[] counts = latent.CategoriesOf(coded).bincount(null, 10).data<long>().ToArray();
        Assert.All(counts, n => Assert.InRange(n, 30, 90)); // 60 expected in each; the seed is fixed
        Assert.Equal(new long[] { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1 }, latent.CategoriesOf(inTurn).data<long>().ToArray());
    }

    [Fact]
    public void One_category_is_drawn_with_the_same_noise_as_all_and_one_that_does_not_exist_is_refused()
    {
        var latent = new Latent(10);
        using var random1 = new torch.Generator(8);
        using var random2 = new torch.Generator(8);

        using var all = latent.Draw(50, random1);
        using var three = latent.InCategory(3).Draw(50, random2);

        Assert.True(Fixtures.Identical(all.narrow(1, 10, 90), three.narrow(1, 10, 90)));
        Assert.True((latent.CategoriesOf(three) == 3).all().item<bool>());
        Assert.False((latent.CategoriesOf(all) == 3).all().item<bool>());
        Assert.Equal("the category must be from 0 to 9 (got 10).", Assert.Throws<ArgumentException>(() => latent.InCategory(10)).Message);
        Assert.Equal("the category must be from 0 to 9 (got -1).", Assert.Throws<ArgumentException>(() => latent.InCategory(-1)).Message);
        Assert.Contains("without a categorical code", Assert.Throws<ArgumentException>(() => Latent.Gaussian.InCategory(0)).Message);
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
