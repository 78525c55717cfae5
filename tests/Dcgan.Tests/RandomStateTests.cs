using Dcgan.Runs;
using Dcgan.Training;
using TorchSharp;

namespace Dcgan.Tests;

/// <summary>The library draws from generators of its own and leaves torch's global one as the caller left it.</summary>
public class RandomStateTests
{
    private static byte[] Global() => Checkpoint.RandomStateOf();

    [Fact]
    public void Training_a_run_resuming_it_and_loading_its_models_leave_torchs_global_generator_as_it_was()
    {
        using var dir = new TempFolder();
        var run = new RunFolder(dir.File("run"));
        torch.manual_seed(12345);
        byte[] before = Global();

        Trainer.Run(Fixtures.Images(24), new TrainOptions { Epochs = 1, BatchSize = 8, Seed = 3 }, run);
        Trainer.Run(Fixtures.Images(24), new TrainOptions { Epochs = 2, BatchSize = 8, Seed = 3 }, run);
        using (Checkpoint.LoadModels(run.LatestCheckpoint()!))
        {
        }

        Assert.Equal(before, Global());
    }

    [Fact]
    public void A_gan_made_with_a_generator_draws_its_weights_from_it_as_a_seeded_global_one_would()
    {
        torch.manual_seed(7);
        using var seededGlobal = new Gan(Recipe.Tutorial);
        torch.manual_seed(12345);
        byte[] before = Global();
        using var random = new torch.Generator(7);

        using var fromGenerator = new Gan(Recipe.Tutorial, random);

        Assert.Equal(before, Global());
        var expected = seededGlobal.Generator.state_dict();
        Assert.All(fromGenerator.Generator.state_dict(), pair => Assert.True(Fixtures.Identical(pair.Value, expected[pair.Key]), pair.Key));
        // The generator went on past the weights it gave, as torch's would have.
        using var fresh = new torch.Generator(7);
        Assert.NotEqual(Checkpoint.RandomStateOf(fresh), Checkpoint.RandomStateOf(random));
    }
}
