using System.Diagnostics;
using Dcgan.Generation;
using Dcgan.Imaging;
using Dcgan.Training;
using SkiaSharp;
using TorchSharp;

namespace Dcgan.Runs;

/// <summary>One run in progress: what every epoch reads and writes.</summary>
internal sealed record TrainingSession(Gan Gan, Checkpoint State, torch.Generator Shuffle, RunFolder Run, TrainOptions Options,
    string Fingerprint, RunObservers Hear, IEpochEvaluation? Evaluation, int StepsPerEpoch)
{
    /// <summary>One epoch of the tutorial's train(): a train step per batch, read from <paramref name="images"/> a batch
    /// at a time, the grid of the fixed noise, an evaluation and a checkpoint when due. Data found damaged while it is
    /// read (a prepared folder's chunk) stops the run as Ctrl+C does, saved at the last whole step.</summary>
    public void TrainEpoch(Data.ImageSet images, int epoch, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        byte[] shuffleAtStart = Checkpoint.RandomStateOf(Shuffle);
        bool continuing = epoch == State.Epoch + 1 && State.Step > 0;
        int step = continuing ? State.Step : 0;
        double[] sums = continuing ? [.. State.EpochSums] : new double[4];
        var stepClock = Stopwatch.StartNew();
        string SaveHere()
        {
            Hear.RunStopping();
            string path = Run.CheckpointAt(epoch - 1, step);
            Save(path, epoch - 1, step, shuffleAtStart, sums);
            return path;
        }
        try
        {
            foreach (var batch in Data.Batches.Shuffled(images, Gan.Recipe.BatchSize, Shuffle, skip: step, withLabels: Gan.Recipe.CodeFromLabels))
            {
                using (batch)
                {
                    if (cancel.IsCancellationRequested)
                    {
                        // Ctrl+C: the previous step is complete; save exactly here, then stop.
                        throw new TrainingInterruptedException(SaveHere());
                    }
                    var losses = Gan.TrainStep(batch.Images, batch.Labels);
                    Add(sums, losses);
                    Hear.StepDone(new StepReport(epoch, ++step, StepsPerEpoch, losses, stepClock.Elapsed.TotalSeconds));
                    stepClock.Restart();
                }
            }
        }
        catch (Data.PreparedFileDamagedException e)
        {
            throw new TrainingDataDamagedException(e, SaveHere());
        }
        using var grid = SaveGrid(epoch);
        var evaluation = Evaluation is not null && Options.EvalEvery is { } every && (epoch % every == 0 || epoch == Options.Epochs)
            ? Evaluation.Evaluate(Gan, epoch)
            : null;
        bool checkpointDue = epoch % Options.CheckpointEvery == 0 || epoch == Options.Epochs;
        var mean = new StepLosses((float)(sums[0] / step), (float)(sums[1] / step), (float)(sums[2] / step), (float)(sums[3] / step));
        // Heard before the checkpoint: a crash between the two then redoes this epoch, records included. Whoever
        // says "saved" waits for CheckpointSaved.
        var result = new EpochResult(epoch, Options.Epochs, clock.Elapsed.TotalSeconds, mean, grid, Run.ImageAtEpoch(epoch), evaluation,
            checkpointDue ? Run.CheckpointAt(epoch) : null);
        Hear.EpochDone(result);
        LossPlot.Save(Run.Losses.Read(), Run.LossPlotPath, StepsPerEpoch);
        if (checkpointDue)
        {
            Save(Run.CheckpointAt(epoch), epoch, 0, Checkpoint.RandomStateOf(Shuffle), new double[4]);
            Hear.CheckpointSaved(result);
            Run.PruneCheckpoints(Options.Keep);
        }
    }

    private static void Add(double[] sums, StepLosses losses)
    {
        sums[0] += losses.Generator;
        sums[1] += losses.Discriminator;
        sums[2] += losses.RealScore;
        sums[3] += losses.FakeScore;
    }

    /// <summary>generate_and_save_images(model, epoch, seed): the fixed noise's grid, saved, and handed back.</summary>
    private SKBitmap SaveGrid(int epoch)
    {
        using var images = Sampler.Generate(Gan.SamplingGenerator, State.FixedNoise, Gan.Recipe.SamplingBatchNorm);
        // Named categories (a folder's classes) are written under their tiles: the fixed noise takes them in turn.
        var names = Gan.Recipe.CategoryNames;
        var captions = names is null ? null : Enumerable.Range(0, Options.ExamplesToGenerate).Select(i => names[i % names.Count]).ToArray();
        var grid = ImageGrid.Render(images, ImageGrid.SquareColumns(Options.ExamplesToGenerate), captions);
        ImageGrid.SavePng(grid, Run.ImageAtEpoch(epoch));
        return grid;
    }

    private void Save(string path, int epoch, int step, byte[] shuffleState, double[] sums)
    {
        // Not disposed: it borrows the run's fixed noise, which the run still owns.
        new Checkpoint
        {
            Epoch = epoch,
            Step = step,
            Seed = State.Seed,
            Recipe = Gan.Recipe,
            DataFingerprint = Fingerprint,
            EpochSums = sums,
            FixedNoise = State.FixedNoise,
            TorchRngState = Checkpoint.RandomStateOf(null),
            ShuffleRngState = shuffleState,
        }.Save(path, Gan);
    }
}
