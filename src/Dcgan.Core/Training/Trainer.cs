using System.Diagnostics;
using Dcgan.Data;
using Dcgan.Diagnostics;
using Dcgan.Generation;
using Dcgan.Imaging;
using Dcgan.IO;
using Dcgan.Models;
using Dcgan.Runs;
using TorchSharp;
using static TorchSharp.torch;
using Generator = Dcgan.Models.Generator;

namespace Dcgan.Training;

/// <summary>Measures the generator after an epoch, for metrics.jsonl. It must not draw from torch's global random
/// numbers, or resumed runs would diverge.</summary>
public interface IEpochEvaluation
{
    EpochEvaluation Evaluate(Gan gan, int epoch);
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
    /// <summary>Trains (or resumes) the run in <paramref name="run"/>. The run's own files (grids, checkpoints, GIF,
    /// losses.csv and .png, metrics.jsonl, run.json) are written here; <paramref name="observers"/> hear the run too
    /// (progress, TensorBoard). <paramref name="evaluation"/>, when given, measures the generator every
    /// <see cref="TrainOptions.EvalEvery"/> epochs and after the last.</summary>
    public static void Run(ImageSet data, TrainOptions options, RunFolder run, IEnumerable<IRunObserver>? observers = null,
        IEpochEvaluation? evaluation = null, CancellationToken cancel = default)
    {
        var asked = Validate(data, options);
        run.EnsureWritable();
        using var claim = run.Claim();
        AtomicFile.RemoveLeftovers(run.Path);
        AtomicFile.RemoveLeftovers(run.CheckpointFolder);
        var hear = new Observers([run.Losses, run.Metrics, new RunRecord(run, options.Origin, data.Count), .. observers ?? []]);
        string fingerprint = data.Fingerprint();

        long seed = options.Seed ?? Random.Shared.NextInt64(0, int.MaxValue);
        using var shuffle = new torch.Generator((ulong)seed);
        var (gan, state) = run.Checkpoints().Count > 0
            ? Resume(shuffle, options, asked, fingerprint, run, hear.Message)
            : Start(seed, options, asked, fingerprint);
        using var owner = gan;
        using var stateOwner = state;
        using var labels = LabelsFor(gan.Recipe, data);
        if (options.SelfCheck)
        {
            CheckKernels(data.Count, gan.Recipe, options.ExamplesToGenerate, hear.Message);
        }
        Begin(data, options, run, gan, state, fingerprint, hear);

        using var images = data.ToTensor();
        var session = new Session(gan, state, shuffle, run, options, fingerprint, hear, evaluation,
            Batches.CountPerEpoch(data.Count, gan.Recipe.BatchSize));
        for (int epoch = state.Epoch + 1; epoch <= options.Epochs; epoch++)
        {
            session.TrainEpoch(images, labels, epoch, cancel);
        }
        if (state.Epoch >= options.Epochs)
        {
            hear.Message($"{run.Path} is already trained to epoch {state.Epoch}; raise the number of epochs to train further.");
        }
        AnimatedGif.Write(run.GifPath, run.EpochImages());
        hear.RunEnded();
    }

    /// <summary>Refuses bad options and images before any work, and reads the recipe asked for (a recipe file is
    /// read here, once: a bad one is refused before any checkpoint is looked at).</summary>
    private static Recipe? Validate(ImageSet data, TrainOptions options)
    {
        if (options.Problem() is { } problem)
        {
            throw new InvalidOptionException(problem);
        }
        if (data.Rows != 28 || data.Columns != 28)
        {
            throw new InvalidDataException(
                $"the images are {data.Rows}x{data.Columns}; the tutorial's models take 28x28 images such as MNIST's.");
        }
        var asked = options.AskedRecipe();
        if (asked is not null)
        {
            RefuseUnfitLabels(asked, data);
        }
        return asked;
    }

    /// <summary>The labels as a tensor when the recipe learns from them (null otherwise). Checked again here because
    /// a resumed run's recipe is known only once its checkpoint is read.</summary>
    private static Tensor? LabelsFor(Recipe recipe, ImageSet data)
    {
        RefuseUnfitLabels(recipe, data);
        return recipe.CodeFromLabels ? torch.tensor(data.Labels!).to(int64) : null;
    }

    /// <summary>An InvalidDataException that says what to give when a recipe that learns from labels gets images
    /// without them, or labels beyond the code's categories.</summary>
    private static void RefuseUnfitLabels(Recipe recipe, ImageSet data)
    {
        if (!recipe.CodeFromLabels)
        {
            return;
        }
        if (data.Labels is null)
        {
            throw new InvalidDataException($"the recipe {recipe.Name} learns from the images' labels, and these images have none; name their label file with --labels.");
        }
        if (data.Labels.Max() is var largest && largest >= recipe.CodeCategories)
        {
            throw new InvalidDataException($"the recipe {recipe.Name} has {recipe.CodeCategories} categories, for labels 0 to {recipe.CodeCategories - 1}, and the data has label {largest}.");
        }
    }

    /// <summary>Says what is about to happen, and tells the observers where the run starts from.</summary>
    private static void Begin(ImageSet data, TrainOptions options, RunFolder run, Gan gan, Checkpoint state, string fingerprint, Observers hear)
    {
        hear.Message(state.Epoch == 0 && state.Step == 0
            ? $"Training on {data.Count} images: {options.Epochs} epochs, seed {state.Seed}, into {run.Path}; {gan.Recipe.Describe()}"
            : $"Resuming {run.Path} at epoch {state.Epoch + 1}{(state.Step > 0 ? $", step {state.Step + 1}" : "")} of {options.Epochs} (seed {state.Seed}); {gan.Recipe.Describe()}, as saved.");
        var recipe = System.Text.Json.JsonSerializer.SerializeToNode(gan.Recipe, IO.JsonFormat.SnakeCase)!;
        var settings = System.Text.Json.JsonSerializer.SerializeToNode(options with { Seed = state.Seed }, IO.JsonFormat.SnakeCase)!;
        hear.RunStarted(new RunStart(state.Seed, state.Epoch, state.Step, fingerprint, recipe, settings));
    }

    /// <summary>One run in progress: what every epoch reads and writes.</summary>
    private sealed record Session(Gan Gan, Checkpoint State, torch.Generator Shuffle, RunFolder Run, TrainOptions Options,
        string Fingerprint, Observers Hear, IEpochEvaluation? Evaluation, int StepsPerEpoch)
    {
        /// <summary>One epoch of the tutorial's train(): a train step per batch, the grid of the fixed noise, an
        /// evaluation and a checkpoint when due.</summary>
        public void TrainEpoch(Tensor images, Tensor? labels, int epoch, CancellationToken cancel)
        {
            var clock = Stopwatch.StartNew();
            byte[] shuffleAtStart = StateOf(Shuffle);
            bool continuing = epoch == State.Epoch + 1 && State.Step > 0;
            int step = continuing ? State.Step : 0;
            double[] sums = continuing ? [.. State.EpochSums] : new double[4];
            var stepClock = Stopwatch.StartNew();
            foreach (var batch in Batches.Shuffled(images, labels, Gan.Recipe.BatchSize, Shuffle, skip: step))
            {
                using (batch)
                {
                    if (cancel.IsCancellationRequested)
                    {
                        // Ctrl+C: the previous step is complete; save exactly here, then stop.
                        Hear.RunStopping();
                        string path = Run.CheckpointAt(epoch - 1, step);
                        Save(path, epoch - 1, step, shuffleAtStart, sums);
                        throw new TrainingInterruptedException(path);
                    }
                    var losses = Gan.TrainStep(batch.Images, batch.Labels);
                    Add(sums, losses);
                    Hear.StepDone(new StepReport(epoch, ++step, StepsPerEpoch, losses, stepClock.Elapsed.TotalSeconds));
                    stepClock.Restart();
                }
            }
            string imagePath = SaveGrid(epoch);
            var evaluation = Evaluation is not null && Options.EvalEvery is { } every && (epoch % every == 0 || epoch == Options.Epochs)
                ? Evaluation.Evaluate(Gan, epoch)
                : null;
            bool checkpointDue = epoch % Options.CheckpointEvery == 0 || epoch == Options.Epochs;
            var mean = new StepLosses((float)(sums[0] / step), (float)(sums[1] / step), (float)(sums[2] / step), (float)(sums[3] / step));
            // Heard before the checkpoint: a crash between the two then redoes this epoch, records included.
            Hear.EpochDone(new EpochResult(epoch, Options.Epochs, clock.Elapsed.TotalSeconds, mean, imagePath, evaluation,
                checkpointDue ? Run.CheckpointAt(epoch) : null));
            if (checkpointDue)
            {
                Save(Run.CheckpointAt(epoch), epoch, 0, StateOf(Shuffle), new double[4]);
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

        /// <summary>generate_and_save_images(model, epoch, seed): the fixed noise's grid.</summary>
        private string SaveGrid(int epoch)
        {
            string imagePath = Run.ImageAtEpoch(epoch);
            using var grid = Sampler.Generate(Gan.SamplingGenerator, State.FixedNoise, Gan.Recipe.SamplingBatchNorm);
            ImageGrid.SavePng(grid, imagePath, ImageGrid.SquareColumns(Options.ExamplesToGenerate));
            return imagePath;
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
                TorchRngState = StateOf(null),
                ShuffleRngState = shuffleState,
            }.Save(path, Gan);
        }
    }

    /// <summary>Every observer, in order; one that fails stops the run, as any failure to write a run file does.</summary>
    private sealed class Observers(IReadOnlyList<IRunObserver> all) : IRunObserver
    {
        public void Message(string line) => Each(o => o.Message(line));
        public void RunStarted(RunStart start) => Each(o => o.RunStarted(start));
        public void StepDone(StepReport report) => Each(o => o.StepDone(report));
        public void EpochDone(EpochResult result) => Each(o => o.EpochDone(result));
        public void RunStopping() => Each(o => o.RunStopping());
        public void RunEnded() => Each(o => o.RunEnded());

        private void Each(Action<IRunObserver> hear)
        {
            foreach (var observer in all)
            {
                hear(observer);
            }
        }
    }

    /// <summary>libtorch's kernels at the shapes this run uses, against float64; throws on a wrong one. Leaves torch's
    /// random state as it was.</summary>
    private static void CheckKernels(int images, Recipe recipe, int gridExamples, Action<string> log)
    {
        var clock = Stopwatch.StartNew();
        var checks = KernelCheck.Run(recipe.Precision, KernelCheck.BatchesOf(images, recipe.BatchSize, gridExamples, Sampler.Block),
            secondOrder: recipe.R1Gamma > 0);
        KernelCheck.EnsurePassed(checks);
        log(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"Self-check: {checks.Count} layer checks against float64 passed ({recipe.Precision.ToString().ToLowerInvariant()}{(recipe.R1Gamma > 0 ? ", second derivatives too" : "")}, {clock.Elapsed.TotalSeconds:F1} s)."));
    }

    /// <summary>A new run: torch is seeded before the models exist, so the seed fixes their initial weights too; then
    /// the fixed noise of the grids is drawn, once.</summary>
    private static (Gan, Checkpoint) Start(long seed, TrainOptions options, Recipe? asked, string fingerprint)
    {
        torch.manual_seed(seed);
        var gan = new Gan(options.NewRecipe(asked));
        return (gan, new Checkpoint
        {
            Epoch = 0,
            Seed = seed,
            Recipe = gan.Recipe,
            DataFingerprint = fingerprint,
            FixedNoise = gan.Generator.Latent.DrawInTurn(options.ExamplesToGenerate),
            TorchRngState = [],
            ShuffleRngState = [],
        });
    }

    /// <summary>The models and state of the latest checkpoint that loads, built with its own recipe, with every
    /// random-number state put back. A damaged checkpoint is reported and the one before it is used.</summary>
    private static (Gan, Checkpoint) Resume(torch.Generator shuffle, TrainOptions options, Recipe? asked, string fingerprint, RunFolder run,
        Action<string> log)
    {
        foreach (string path in run.Checkpoints().Reverse())
        {
            Checkpoint? restored = null;
            Gan? gan = null;
            try
            {
                (restored, gan) = Checkpoint.Load(path, recipe => new Gan(recipe));
                Check(restored, options, asked, fingerprint, run);
                RestoreRandomStates(restored, shuffle);
                return (gan, restored);
            }
            catch (InvalidDataException e)
            {
                log($"Skipping {Path.GetFileName(path)}: {e.Message}");
            }
            catch
            {
                gan?.Dispose();
                throw;
            }
        }
        throw new InvalidDataException($"{run.CheckpointFolder} holds checkpoints but none can be read; move them away to start a new run there.");
    }

    private static void Check(Checkpoint restored, TrainOptions options, Recipe? asked, string fingerprint, RunFolder run)
    {
        if (options.ConflictWith(restored.Recipe, restored.Seed, asked) is var (setting, saved, given))
        {
            restored.Dispose();
            throw new RunConflictException(run.Path, setting, saved, given);
        }
        string? refusal =
            restored.DataFingerprint != fingerprint
                ? $"{run.Path} holds a run trained on other images; resume it with the same data, or train into a new folder."
            : restored.FixedNoise.shape[0] != options.ExamplesToGenerate
                ? $"{run.Path} keeps {restored.FixedNoise.shape[0]} grid examples, not {options.ExamplesToGenerate}."
            : null;
        if (refusal is not null)
        {
            restored.Dispose();
            throw new ArgumentException(refusal); // not InvalidDataException: no earlier checkpoint is tried
        }
    }

    private static void RestoreRandomStates(Checkpoint restored, torch.Generator shuffle)
    {
        using (var rng = torch.tensor(restored.TorchRngState))
        {
            torch.random.set_rng_state(rng);
        }
        using var shuffleState = torch.tensor(restored.ShuffleRngState);
        shuffle.set_state(shuffleState);
    }

    /// <summary>The bytes of a generator's state (the global one for null).</summary>
    private static byte[] StateOf(torch.Generator? generator)
    {
        using var state = generator is null ? torch.random.get_rng_state() : generator.get_state();
        return state.data<byte>().ToArray();
    }
}
