using System.Diagnostics;
using Dcgan.Data;
using Dcgan.Diagnostics;
using Dcgan.Imaging;
using Dcgan.IO;
using Dcgan.Models;
using TorchSharp;
using static TorchSharp.torch;
using Generator = Dcgan.Models.Generator;

namespace Dcgan.Training;

/// <summary>What one epoch did: its number, its wall time (training, grid and checkpoint, as the tutorial times
/// it), the mean of its step measurements, and the files it wrote.</summary>
public sealed record EpochResult(int Epoch, int Epochs, double Seconds, StepLosses Mean, string ImagePath, string? CheckpointPath);

/// <summary>One train step done: where in the run it was, and what it measured.</summary>
public readonly record struct StepReport(int Epoch, int Step, int StepsPerEpoch, StepLosses Losses);

/// <summary>How a run begins: its seed, the epoch it starts after (0 for a new run), and the fingerprint of its data.</summary>
public readonly record struct RunStart(long Seed, int FromEpoch, string DataFingerprint);

/// <summary>What a caller may want to hear about while a run goes: messages, each step, each epoch.</summary>
public sealed record TrainingEvents
{
    public Action<string>? Log { get; init; }

    /// <summary>Training begins.</summary>
    public Action<RunStart>? Started { get; init; }
    public Action<StepReport>? Step { get; init; }
    public Action<EpochResult>? Epoch { get; init; }

    /// <summary>Measures the generator after an epoch (with <see cref="TrainOptions.EvalEvery"/>); the record goes
    /// to metrics.jsonl. It must not draw from torch's global random numbers, or resumed runs would diverge.</summary>
    public Func<Gan, int, System.Text.Json.Nodes.JsonObject>? Evaluate { get; init; }
}

/// <summary>Training stopped on request (Ctrl+C) after a whole step; <see cref="CheckpointPath"/> holds the state
/// to resume from.</summary>
public sealed class TrainingInterruptedException(string checkpointPath)
    : OperationCanceledException($"interrupted; the run is saved in {checkpointPath} and resumes from there with the same command.")
{
    public string CheckpointPath { get; } = checkpointPath;
}

/// <summary>
/// The tutorial's train(dataset, epochs): for each epoch, a train step per shuffled batch, a grid of the fixed
/// noise, a checkpoint on schedule and after the last epoch; then the GIF of all grids. A folder that already
/// holds checkpoints is resumed from the latest valid one, exactly: a resumed run ends bit for bit where an
/// uninterrupted one would.
/// </summary>
public static class Trainer
{
    public static void Run(ImageSet data, TrainOptions options, RunFolder run, TrainingEvents? events = null,
        CancellationToken cancel = default)
    {
        events ??= new TrainingEvents();
        if (options.Problem() is { } problem)
        {
            throw new ArgumentException(problem, nameof(options));
        }
        if (data.Rows != 28 || data.Columns != 28)
        {
            throw new InvalidDataException(
                $"the images are {data.Rows}x{data.Columns}; the tutorial's models take 28x28 images such as MNIST's.");
        }
        run.EnsureWritable();
        if (options.SelfCheck)
        {
            CheckKernels(data.Count, options, events.Log);
        }
        using var claim = run.Claim();
        AtomicFile.RemoveLeftovers(run.Path);
        AtomicFile.RemoveLeftovers(run.CheckpointFolder);
        string fingerprint = data.Fingerprint();

        // A new run seeds torch before the models exist, so the seed fixes their initial weights too.
        bool resuming = run.Checkpoints().Count > 0;
        long seed = options.Seed ?? Random.Shared.NextInt64(0, int.MaxValue);
        if (!resuming)
        {
            torch.manual_seed(seed);
        }
        using var gan = new Gan(options.Precision);
        using var shuffle = new torch.Generator((ulong)seed);
        using var state = resuming ? Resume(gan, shuffle, options, fingerprint, run, events.Log) : Start(seed, options, fingerprint);
        using var images = data.ToTensor();
        events.Log?.Invoke(state.Epoch == 0 && state.Step == 0
            ? $"Training on {data.Count} images: {options.Epochs} epochs of batch {options.BatchSize}, seed {state.Seed}, into {run.Path}"
            : $"Resuming {run.Path} at epoch {state.Epoch + 1}{(state.Step > 0 ? $", step {state.Step + 1}" : "")} of {options.Epochs} (seed {state.Seed}).");
        events.Started?.Invoke(new RunStart(state.Seed, state.Epoch, fingerprint));

        int stepsPerEpoch = Batches.CountPerEpoch(data.Count, options.BatchSize);
        run.Metrics.DropAfter(state.Epoch); // records of epochs that are about to be redone
        var lossLog = run.Losses;
        lossLog.KeepUpTo(state.Epoch, state.Step);
        for (int epoch = state.Epoch + 1; epoch <= options.Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            byte[] shuffleAtStart = StateOf(shuffle);
            bool continuing = epoch == state.Epoch + 1 && state.Step > 0;
            int step = continuing ? state.Step : 0;
            double[] sums = continuing ? [.. state.EpochSums] : new double[4];
            var rows = new List<(StepReport, double)>();
            var stepClock = Stopwatch.StartNew();

            foreach (var batch in Batches.Shuffled(images, options.BatchSize, shuffle, skip: step))
            {
                using (batch)
                {
                    if (cancel.IsCancellationRequested)
                    {
                        // Ctrl+C: the previous step is complete; save exactly here, then stop.
                        lossLog.Append(rows);
                        string path = run.CheckpointAt(epoch - 1, step);
                        Save(path, gan, state, options, fingerprint, epoch - 1, step, shuffleAtStart, sums);
                        throw new TrainingInterruptedException(path);
                    }
                    var losses = gan.TrainStep(batch);
                    sums[0] += losses.Generator;
                    sums[1] += losses.Discriminator;
                    sums[2] += losses.RealScore;
                    sums[3] += losses.FakeScore;
                    step++;
                    var report = new StepReport(epoch, step, stepsPerEpoch, losses);
                    rows.Add((report, stepClock.Elapsed.TotalSeconds));
                    stepClock.Restart();
                    events.Step?.Invoke(report);
                }
            }

            lossLog.Append(rows);
            LossPlot.Save(lossLog, run.LossPlotPath, stepsPerEpoch);

            string imagePath = run.ImageAtEpoch(epoch);
            using (var grid = gan.Generate(state.FixedNoise))
            {
                ImageGrid.SavePng(grid, imagePath, ImageGrid.SquareColumns(options.ExamplesToGenerate));
            }

            // Before the checkpoint: a crash between the two then redoes this epoch, record included.
            if (options.EvalEvery is { } every && events.Evaluate is { } evaluate && (epoch % every == 0 || epoch == options.Epochs))
            {
                run.Metrics.Append(epoch, evaluate(gan, epoch));
            }

            string? checkpointPath = null;
            if (epoch % options.CheckpointEvery == 0 || epoch == options.Epochs)
            {
                checkpointPath = run.CheckpointAt(epoch);
                Save(checkpointPath, gan, state, options, fingerprint, epoch, 0, StateOf(shuffle), new double[4]);
                run.PruneCheckpoints(options.Keep);
            }

            var mean = new StepLosses((float)(sums[0] / step), (float)(sums[1] / step), (float)(sums[2] / step), (float)(sums[3] / step));
            events.Epoch?.Invoke(new EpochResult(epoch, options.Epochs, clock.Elapsed.TotalSeconds, mean, imagePath, checkpointPath));
        }

        if (state.Epoch >= options.Epochs)
        {
            events.Log?.Invoke($"{run.Path} is already trained to epoch {state.Epoch}; raise --epochs to train further.");
        }
        AnimatedGif.Write(run.GifPath, run.EpochImages());
    }

    /// <summary>libtorch's kernels at the shapes this run uses, against float64; throws on a wrong one. Leaves torch's
    /// random state as it was.</summary>
    private static void CheckKernels(int images, TrainOptions options, Action<string>? log)
    {
        var clock = Stopwatch.StartNew();
        var checks = KernelCheck.Run(options.Precision,
            KernelCheck.BatchesOf(images, options.BatchSize, options.ExamplesToGenerate, Gan.SampleBlock));
        KernelCheck.EnsurePassed(checks);
        log?.Invoke(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"Self-check: {checks.Count} layer checks against float64 passed ({options.Precision.ToString().ToLowerInvariant()}, {clock.Elapsed.TotalSeconds:F1} s)."));
    }

    /// <summary>A new run's state: the fixed noise of the grids, drawn once, right after the seeded weights.</summary>
    private static Checkpoint Start(long seed, TrainOptions options, string fingerprint) =>
        new()
        {
            Epoch = 0,
            Seed = seed,
            BatchSize = options.BatchSize,
            DataFingerprint = fingerprint,
            FixedNoise = torch.randn(options.ExamplesToGenerate, Generator.NoiseDim),
            TorchRngState = [],
            ShuffleRngState = [],
        };

    /// <summary>The latest checkpoint that loads, with every random-number state put back. A damaged checkpoint is
    /// reported and the one before it is used.</summary>
    private static Checkpoint Resume(Gan gan, torch.Generator shuffle, TrainOptions options, string fingerprint, RunFolder run, Action<string>? log)
    {
        Checkpoint? restored = null;
        foreach (string path in run.Checkpoints().Reverse())
        {
            try
            {
                restored = Checkpoint.Load(path, gan);
                break;
            }
            catch (InvalidDataException e)
            {
                log?.Invoke($"Skipping {Path.GetFileName(path)}: {e.Message}");
            }
        }
        if (restored is null)
        {
            throw new InvalidDataException($"{run.CheckpointFolder} holds checkpoints but none can be read; move them away to start a new run there.");
        }
        string? refusal =
            restored.BatchSize != options.BatchSize
                ? $"{run.Path} holds a run with batch size {restored.BatchSize}; resume it with --batch-size {restored.BatchSize}, or train into a new --out folder."
            : restored.DataFingerprint != fingerprint
                ? $"{run.Path} holds a run trained on other images; resume it with the same data, or train into a new --out folder."
            : options.Seed is { } seed && seed != restored.Seed
                ? $"{run.Path} holds a run with seed {restored.Seed}; resume it without --seed (or with --seed {restored.Seed}), or train into a new --out folder."
            : restored.FixedNoise.shape[0] != options.ExamplesToGenerate
                ? $"{run.Path} keeps {restored.FixedNoise.shape[0]} grid examples, not {options.ExamplesToGenerate}."
            : null;
        if (refusal is not null)
        {
            restored.Dispose();
            throw new InvalidDataException(refusal);
        }
        using (var rng = torch.tensor(restored.TorchRngState))
        {
            torch.random.set_rng_state(rng);
        }
        using (var shuffleState = torch.tensor(restored.ShuffleRngState))
        {
            shuffle.set_state(shuffleState);
        }
        return restored;
    }

    private static void Save(string path, Gan gan, Checkpoint run, TrainOptions options, string fingerprint,
        int epoch, int step, byte[] shuffleState, double[] sums)
    {
        // Not disposed: it borrows the run's fixed noise, which the run still owns.
        new Checkpoint
        {
            Epoch = epoch,
            Step = step,
            Seed = run.Seed,
            BatchSize = options.BatchSize,
            DataFingerprint = fingerprint,
            EpochSums = sums,
            FixedNoise = run.FixedNoise,
            TorchRngState = StateOf(null),
            ShuffleRngState = shuffleState,
        }.Save(path, gan);
    }

    /// <summary>The bytes of a generator's state (the global one for null).</summary>
    private static byte[] StateOf(torch.Generator? generator)
    {
        using var state = generator is null ? torch.random.get_rng_state() : generator.get_state();
        return state.data<byte>().ToArray();
    }
}
