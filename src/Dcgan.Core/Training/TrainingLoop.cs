using System.Diagnostics;
using Dcgan.Data;
using TorchSharp;

namespace Dcgan.Training;

/// <summary>
/// The inner loop of the tutorial's train(dataset, epochs): every epoch, a train step per shuffled batch. It writes
/// no file and keeps no grid: what happens after an epoch (pictures, checkpoints, evaluations) is its caller's, as the
/// run folder's <c>Trainer</c> does, or a program's own. Where it is (epochs done, steps into the next, the running
/// sums of that epoch, the shuffle's state when the epoch drew its order) is what a <see cref="Checkpoint"/> keeps, so
/// a loop made from one goes on exactly.
/// </summary>
public sealed class TrainingLoop
{
    private readonly ImageSet images;
    private readonly torch.Generator shuffle;
    private readonly torch.Generator? random;
    private double[] sums = new double[4];
    private byte[]? shuffleAtEpochStart;

    /// <summary>A loop that trains <paramref name="gan"/> on <paramref name="images"/>, in an order drawn each epoch
    /// from <paramref name="shuffle"/>, from epoch 1. The steps draw their noise and dropout from
    /// <paramref name="random"/>, or from torch's global generator without one.</summary>
    public TrainingLoop(Gan gan, ImageSet images, torch.Generator shuffle, torch.Generator? random = null)
    {
        Gan = gan;
        this.images = images;
        this.shuffle = shuffle;
        this.random = random;
        StepsPerEpoch = Batches.CountPerEpoch(images.Count, gan.Recipe.BatchSize);
    }

    /// <summary>A loop that goes on where <paramref name="saved"/> stopped: its epoch, its step into the next one and
    /// that epoch's sums. The random states are the caller's to restore (<see cref="Checkpoint.RestoreRandomState"/>,
    /// with this <paramref name="shuffle"/> and <paramref name="random"/>).</summary>
    public TrainingLoop(Gan gan, ImageSet images, torch.Generator shuffle, Checkpoint saved, torch.Generator? random = null)
        : this(gan, images, shuffle, random)
    {
        Epoch = saved.Epoch;
        Step = saved.Step;
        sums = [.. saved.EpochSums];
    }

    public Gan Gan { get; }
    public int StepsPerEpoch { get; }

    /// <summary>Epochs trained to their end.</summary>
    public int Epoch { get; private set; }

    /// <summary>Steps done in epoch <see cref="Epoch"/> + 1: non-zero only when an epoch was stopped part way.</summary>
    public int Step { get; private set; }

    /// <summary>Trains epoch <see cref="Epoch"/> + 1 (the rest of it, if it was stopped part way) and returns the
    /// mean of its steps' measurements. <paramref name="stepDone"/> hears each step. Cancelling stops it between two
    /// steps with an <see cref="OperationCanceledException"/>; the loop is then where the last whole step left it, as
    /// it is when the data fails to read (a damaged prepared folder), and <see cref="ToCheckpoint"/> saves that.</summary>
    public StepLosses TrainEpoch(Action<StepReport>? stepDone = null, CancellationToken cancel = default)
    {
        // The order is drawn from here (a resumed epoch's, from the state it was drawn from at first); until the epoch
        // ends, a checkpoint keeps this state, so that the epoch is drawn again in the same order.
        shuffleAtEpochStart = Checkpoint.RandomStateOf(shuffle);
        int epoch = Epoch + 1;
        var clock = Stopwatch.StartNew();
        foreach (var batch in Batches.Shuffled(images, Gan.Recipe.BatchSize, shuffle, skip: Step, withLabels: Gan.Recipe.CodeFromLabels))
        {
            using (batch)
            {
                cancel.ThrowIfCancellationRequested();
                var losses = Gan.TrainStep(batch.Images, batch.Labels, random);
                Add(losses);
                Step++;
                stepDone?.Invoke(new StepReport(epoch, Step, StepsPerEpoch, losses, clock.Elapsed.TotalSeconds));
                clock.Restart();
            }
        }
        var mean = new StepLosses((float)(sums[0] / Step), (float)(sums[1] / Step), (float)(sums[2] / Step), (float)(sums[3] / Step), (float?)Gan.AugmentP);
        (Epoch, Step, sums, shuffleAtEpochStart) = (epoch, 0, new double[4], null);
        return mean;
    }

    /// <summary>A checkpoint of the loop where it is: its models and optimizers (saved with it), the steps' random
    /// state now, the shuffle's as the epoch in progress drew its order (stopped at any step of it, its first too), or
    /// now between epochs, and the run's own
    /// <paramref name="seed"/>, <paramref name="dataFingerprint"/> and <paramref name="fixedNoise"/>, which it borrows
    /// and does not dispose.</summary>
    public Checkpoint ToCheckpoint(long seed, string dataFingerprint, torch.Tensor fixedNoise) => new()
    {
        Epoch = Epoch,
        Step = Step,
        Seed = seed,
        Recipe = Gan.Recipe,
        DataFingerprint = dataFingerprint,
        EpochSums = [.. sums],
        FixedNoise = fixedNoise,
        TorchRngState = Checkpoint.RandomStateOf(random),
        ShuffleRngState = shuffleAtEpochStart ?? Checkpoint.RandomStateOf(shuffle),
    };

    private void Add(StepLosses losses)
    {
        sums[0] += losses.Generator;
        sums[1] += losses.Discriminator;
        sums[2] += losses.RealScore;
        sums[3] += losses.FakeScore;
    }
}

/// <summary>One train step done: where in the run it was, what it measured, and its wall-clock seconds.</summary>
public readonly record struct StepReport(int Epoch, int Step, int StepsPerEpoch, StepLosses Losses, double Seconds = 0);
