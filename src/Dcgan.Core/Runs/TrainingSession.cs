using System.Diagnostics;
using Dcgan.Evaluation;
using Dcgan.Generation;
using Dcgan.Imaging;
using Dcgan.Training;
using SkiaSharp;

namespace Dcgan.Runs;

/// <summary>One run in progress: the loop that trains, and what every epoch writes into the run folder.</summary>
internal sealed record TrainingSession(TrainingLoop Loop, Checkpoint State, RunFolder Run, TrainOptions Options,
    string Fingerprint, RunObservers Hear, IEpochEvaluation? Evaluation)
{
    private Gan Gan => Loop.Gan;

    /// <summary>One epoch of the tutorial's train(): the loop's epoch, then the grid of the fixed noise, an evaluation
    /// and a checkpoint when due. Ctrl+C, or data found damaged while it is read (a prepared folder's chunk), stops the
    /// run saved at the last whole step.</summary>
    public void TrainEpoch(CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        StepLosses mean;
        try
        {
            mean = Loop.TrainEpoch(Hear.StepDone, cancel);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            throw new TrainingInterruptedException(SaveWhereStopped());
        }
        catch (Data.PreparedFileDamagedException e)
        {
            throw new TrainingDataDamagedException(e, SaveWhereStopped());
        }
        int epoch = Loop.Epoch;
        using var grid = SaveGrid(epoch);
        var evaluation = Evaluation is not null && Options.EvalEvery is { } every && (epoch % every == 0 || epoch == Options.Epochs)
            ? Evaluation.Evaluate(Gan, epoch)
            : null;
        bool checkpointDue = epoch % Options.CheckpointEvery == 0 || epoch == Options.Epochs;
        // Heard before the checkpoint: a crash between the two then redoes this epoch, records included. Whoever
        // says "saved" waits for CheckpointSaved.
        var result = new EpochResult(epoch, Options.Epochs, clock.Elapsed.TotalSeconds, mean, grid, Run.ImageAtEpoch(epoch), evaluation,
            checkpointDue ? Run.CheckpointAt(epoch) : null);
        Hear.EpochDone(result);
        LossPlot.Save(Run.Losses.Read(), Run.LossPlotPath, Loop.StepsPerEpoch);
        if (checkpointDue)
        {
            Save(Run.CheckpointAt(epoch));
            Hear.CheckpointSaved(result);
            Run.PruneCheckpoints(Options.Keep);
        }
    }

    /// <summary>Ctrl+C or damaged data: the previous step is complete; saved exactly there.</summary>
    private string SaveWhereStopped()
    {
        Hear.RunStopping();
        string path = Run.CheckpointAt(Loop.Epoch, Loop.Step);
        Save(path);
        return path;
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

    // Not disposed: the checkpoint borrows the run's fixed noise, which the run still owns.
    private void Save(string path) => Loop.ToCheckpoint(State.Seed, Fingerprint, State.FixedNoise).Save(path, Gan);
}
