using System.Text.Json.Nodes;
using Dcgan.Evaluation;
using Dcgan.Training;
using SkiaSharp;

namespace Dcgan.Runs;

/// <summary>How a run begins: its seed, where it goes on from (epoch 0, step 0 for a new run), the fingerprint of its
/// data, and, as JSON for the record, its recipe and options.</summary>
public sealed record RunStart(long Seed, int FromEpoch, int FromStep, string DataFingerprint, JsonNode Recipe, JsonNode Options);

/// <summary>What one epoch did: its number, its wall time (training, grid and checkpoint, as the tutorial times
/// it), the mean of its step measurements, its grid (the image, and the PNG it is saved as), its evaluation when one
/// was due, and the checkpoint it is saved in when one is due. <paramref name="Grid"/> is the run's: it is freed once
/// every observer has heard the epoch, so copy it (SKBitmap.Copy) to keep it.</summary>
public sealed record EpochResult(int Epoch, int Epochs, double Seconds, StepLosses Mean, SKBitmap Grid, string ImagePath,
    EpochEvaluation? Evaluation, string? CheckpointPath);

/// <summary>
/// One way of hearing a training run: the progress a user watches, a record in the run folder, TensorBoard. Each
/// hears only what it needs. Adding an output means adding an observer, nothing else.
/// </summary>
public interface IRunObserver
{
    /// <summary>A line for the person watching.</summary>
    void Message(string line) { }

    /// <summary>Training begins, or goes on after a resume.</summary>
    void RunStarted(RunStart start) { }

    void StepDone(StepReport report) { }

    /// <summary>An epoch is done: heard before its checkpoint is written, so that a crash between the two redoes the
    /// epoch, records included.</summary>
    void EpochDone(EpochResult result) { }

    /// <summary>The checkpoint of an epoch heard in <see cref="EpochDone"/> is on disk, whole.</summary>
    void CheckpointSaved(EpochResult result) { }

    /// <summary>Ctrl+C: training stops after the step just heard; heard before the checkpoint that saves it.</summary>
    void RunStopping() { }

    /// <summary>The run is over: trained to its last epoch, its GIF written.</summary>
    void RunEnded() { }
}
