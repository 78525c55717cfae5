using Dcgan.Training;
using TorchSharp;

namespace Dcgan.Tests;

/// <summary>The loop alone, with no run folder: where it stands, and going on from a checkpoint of it.</summary>
public class TrainingLoopTests
{
    private static readonly Recipe Recipe = Recipe.Tutorial with { BatchSize = 8 }; // 5 steps an epoch of 40

    /// <summary>Stopped after step 2 of epoch 2, or before its first step (its order drawn, no step taken: the
    /// checkpoint must keep the shuffle's state from before that draw).</summary>
    [Theory]
    [InlineData(2)]
    [InlineData(0)]
    public void A_loop_stopped_between_two_steps_goes_on_from_its_checkpoint_to_the_same_weights_and_means(int stepsDone)
    {
        using var dir = new TempFolder();
        var images = Fixtures.Images(40);
        torch.manual_seed(3);
        using var whole = new Gan(Recipe);
        using var wholeShuffle = new torch.Generator(3);
        var wholeLoop = new TrainingLoop(whole, images, wholeShuffle);
        wholeLoop.TrainEpoch();
        var wholeSecond = wholeLoop.TrainEpoch();

        torch.manual_seed(3);
        using (var stopped = new Gan(Recipe))
        using (var shuffle = new torch.Generator(3))
        using (var noise = torch.zeros(1, 100))
        using (var stop = new CancellationTokenSource())
        {
            var loop = new TrainingLoop(stopped, images, shuffle);
            var steps = new List<(int, int)>();
            loop.TrainEpoch(s => steps.Add((s.Epoch, s.Step)));
            if (stepsDone == 0)
            {
                stop.Cancel();
            }
            Assert.Throws<OperationCanceledException>(() => loop.TrainEpoch(s =>
            {
                steps.Add((s.Epoch, s.Step));
                if (s.Step == stepsDone)
                {
                    stop.Cancel();
                }
            }, stop.Token));

            Assert.Equal([(1, 1), (1, 2), (1, 3), (1, 4), (1, 5), .. Enumerable.Range(1, stepsDone).Select(step => (2, step))], steps);
            Assert.Equal((1, stepsDone, 5), (loop.Epoch, loop.Step, loop.StepsPerEpoch));
            loop.ToCheckpoint(3, "data", noise).Save(dir.File("stopped.ckpt"), stopped);
        }

        torch.manual_seed(99); // whatever torch drew since, the checkpoint puts back
        using var goneOn = new Gan(Recipe);
        using var goneOnShuffle = new torch.Generator(99);
        using var saved = Checkpoint.Load(dir.File("stopped.ckpt"), goneOn);
        saved.RestoreRandomState(goneOnShuffle);
        var goneOnLoop = new TrainingLoop(goneOn, images, goneOnShuffle, saved);
        var goneOnSecond = goneOnLoop.TrainEpoch();

        Assert.Equal((2, 0), (goneOnLoop.Epoch, goneOnLoop.Step));
        Assert.Equal(wholeSecond, goneOnSecond); // the means of the whole epoch, its first two steps included
        var expected = whole.Generator.state_dict();
        Assert.All(goneOn.Generator.state_dict(), pair => Assert.True(Fixtures.Identical(pair.Value, expected[pair.Key]), pair.Key));
        expected = whole.Discriminator.state_dict();
        Assert.All(goneOn.Discriminator.state_dict(), pair => Assert.True(Fixtures.Identical(pair.Value, expected[pair.Key]), pair.Key));
    }
}
