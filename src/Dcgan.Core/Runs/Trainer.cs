using System.Diagnostics;
using Dcgan.Diagnostics;
using Dcgan.Evaluation;
using Dcgan.Generation;
using Dcgan.Imaging;
using Dcgan.IO;
using Dcgan.Training;
using TorchSharp;

namespace Dcgan.Runs;

/// <summary>
/// The tutorial's train(dataset, epochs): for each epoch, a train step per shuffled batch, a grid of the fixed
/// noise, a checkpoint on schedule and after the last epoch; then the GIF of all grids. A folder that already
/// holds checkpoints is resumed from the latest valid one, exactly: a resumed run ends bit for bit where an
/// uninterrupted one would. <see cref="Prepare(TrainOptions, Data.DataRequest, string, Func{Data.DataRequest, Data.Split, Data.LoadedData})"/> checks
/// everything first (Trainer.Prepare.cs); <see cref="Run(TrainingPlan, IEnumerable{IRunObserver}?, IEpochEvaluation?, CancellationToken)"/> trains.
/// </summary>
public static partial class Trainer
{
    /// <summary>Trains (or resumes) a prepared run. The run's own files (grids, checkpoints, GIF, losses.csv and .png,
    /// metrics.jsonl, run.json) are written into its folder; <paramref name="observers"/> hear the run too (progress,
    /// TensorBoard). <paramref name="evaluation"/>, when given, measures the generator every
    /// <see cref="TrainOptions.EvalEvery"/> epochs and after the last.</summary>
    public static void Run(TrainingPlan plan, IEnumerable<IRunObserver>? observers = null, IEpochEvaluation? evaluation = null,
        CancellationToken cancel = default)
    {
        var (data, options, run) = (plan.Data, plan.Options, plan.Run);
        run.Create();
        using var claim = run.Claim();
        AtomicFile.RemoveLeftovers(run.Path);
        AtomicFile.RemoveLeftovers(run.CheckpointFolder);
        var hear = new RunObservers([run.Losses, run.Metrics, new RunRecord(run, plan.Origin, data.Count), .. observers ?? []]);
        foreach (var (damaged, why) in plan.Damaged)
        {
            // Kept, not deleted and not written over by the epoch trained again: it may hold what a person wants back.
            string aside = RunFolder.SetAside(damaged);
            hear.Message($"Skipping {Path.GetFileName(damaged)}: {why} It is kept as {Path.GetFileName(aside)}; training goes on from the checkpoint before it.");
        }

        long seed = options.Seed ?? Random.Shared.NextInt64(0, int.MaxValue);
        // Two generators of the run's own, torch's global one untouched: the weights, the grid's noise and every step's
        // noise and dropout from one, the data's order from the other. Both start from the seed.
        using var random = new torch.Generator((ulong)seed);
        using var shuffle = new torch.Generator((ulong)seed);
        var (gan, state) = plan.ResumeFrom is { } path ? Resume(path, shuffle, random) : Start(seed, plan, random);
        using var owner = gan;
        using var stateOwner = state;
        if (options.SelfCheck)
        {
            CheckKernels(data.Count, gan.Recipe, options.ExamplesToGenerate, hear.Message);
        }
        Begin(plan, gan, state, hear);

        var session = new TrainingSession(new TrainingLoop(gan, data, shuffle, state, random), state, run, options, plan.Fingerprint, hear, evaluation);
        while (session.Loop.Epoch < options.Epochs)
        {
            session.TrainEpoch(cancel);
        }
        if (state.Epoch >= options.Epochs)
        {
            hear.Message($"{run.Path} is already trained to epoch {state.Epoch}; raise the number of epochs to train further.");
        }
        AnimatedGif.Write(run.GifPath, run.EpochImages());
        hear.RunEnded();
    }

    /// <summary>Checks and trains in one call, for images already in memory (tests, library users).</summary>
    public static void Run(Data.ImageSet data, TrainOptions options, RunFolder run, IEnumerable<IRunObserver>? observers = null,
        IEpochEvaluation? evaluation = null, CancellationToken cancel = default) =>
        Run(Prepare(data, options, run), observers, evaluation, cancel);

    /// <summary>Why a run that asked for no recipe trains with dcgan-small.</summary>
    private static string SmallSetNote(TrainingPlan plan) =>
        plan.Options.Recipe is null && plan.Recipe.Name == Recipe.SmallSet.Name
            ? $". {Recipe.SmallSet.Name} is the default for fewer than {Recipe.SmallSetImages.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} images (dcgan for more)"
            : "";

    /// <summary>Says what is about to happen, and tells the observers where the run starts from.</summary>
    private static void Begin(TrainingPlan plan, Gan gan, Checkpoint state, RunObservers hear)
    {
        var (data, options, run) = (plan.Data, plan.Options, plan.Run);
        hear.Message(state.Epoch == 0 && state.Step == 0
            ? $"Training on {data.Count} images: {options.Epochs} epochs, seed {state.Seed}, into {run.Path}; {gan.Recipe.Describe()}{SmallSetNote(plan)}"
            : $"Resuming {run.Path} at epoch {state.Epoch + 1}{(state.Step > 0 ? $", step {state.Step + 1}" : "")} of {options.Epochs} (seed {state.Seed}); {gan.Recipe.Describe()}, as saved.");
        var recipe = System.Text.Json.JsonSerializer.SerializeToNode(gan.Recipe, JsonFormat.SnakeCase)!;
        var settings = System.Text.Json.JsonSerializer.SerializeToNode(options with { Seed = state.Seed }, JsonFormat.SnakeCase)!;
        hear.RunStarted(new RunStart(state.Seed, state.Epoch, state.Step, plan.Fingerprint, recipe, settings));
        // An adaptive p starts low; its preview shows the most it can reach, every operation on every image.
        bool adaptive = gan.Recipe.Augment is { Adaptive: true };
        if (Augmentation.Of(gan.Recipe.Augment, adaptive ? () => 1 : null) is { } augmentation && !File.Exists(run.AugmentedRealsPath))
        {
            PreviewAugmentation(augmentation, data, state.Seed, run.AugmentedRealsPath);
            hear.Message($"What the discriminator sees of real images (DiffAugment {gan.Recipe.Augment!.Describe()}{(adaptive ? "; shown at p 1" : "")}): {run.AugmentedRealsPath}");
        }
    }

    /// <summary>The first <see cref="PreviewImages"/> real images in a row, and below each the same image augmented as
    /// the discriminator will see it, drawn from a generator of the seed's own (the run's draws are untouched).</summary>
    private static void PreviewAugmentation(Augmentation augmentation, Data.ImageSet data, long seed, string path)
    {
        using var scope = torch.NewDisposeScope();
        using var random = new torch.Generator((ulong)seed);
        using var first = data.Take(Math.Min(PreviewImages, data.Count));
        var images = first.ToTensor();
        torch.Tensor seen;
        using (Models.RandomLoan.Of(random))
        {
            seen = augmentation.Apply(images);
        }
        ImageGrid.SavePng(torch.cat([images, seen]), path, columns: first.Count);
    }

    /// <summary>Real images in the augmentation's preview.</summary>
    private const int PreviewImages = 8;

    /// <summary>libtorch's kernels at the shapes this run uses, against float64; throws on a wrong one. Leaves torch's
    /// random state as it was.</summary>
    private static void CheckKernels(int images, Recipe recipe, int gridExamples, Action<string> log)
    {
        var clock = Stopwatch.StartNew();
        var checks = KernelCheck.Run(recipe.Precision, KernelCheck.BatchesOf(images, recipe.BatchSize, gridExamples, Sampler.Block),
            secondOrder: recipe.R1Gamma > 0, shape: recipe.Shape, width: recipe.Width);
        KernelCheck.EnsurePassed(checks);
        log(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"Self-check: {checks.Count} layer checks against float64 passed ({recipe.Precision.ToString().ToLowerInvariant()}{(recipe.R1Gamma > 0 ? ", second derivatives too" : "")}, {clock.Elapsed.TotalSeconds:F1} s)."));
    }

    /// <summary>A new run: its models' first weights are drawn from <paramref name="random"/>, so the seed fixes them
    /// too; then the fixed noise of the grids, once.</summary>
    private static (Gan, Checkpoint) Start(long seed, TrainingPlan plan, torch.Generator random)
    {
        var gan = new Gan(plan.Recipe, random);
        return (gan, new Checkpoint
        {
            Epoch = 0,
            Seed = seed,
            Recipe = gan.Recipe,
            DataFingerprint = plan.Fingerprint,
            FixedNoise = gan.Generator.Latent.DrawInTurn(plan.Options.ExamplesToGenerate, random),
            TorchRngState = [],
            ShuffleRngState = [],
        });
    }

    /// <summary>The models and state of the checkpoint that <see cref="Prepare(Data.ImageSet, TrainOptions, RunFolder)"/>
    /// chose, built with its own recipe, with every random-number state put back.</summary>
    private static (Gan, Checkpoint) Resume(string path, torch.Generator shuffle, torch.Generator random)
    {
        var (restored, gan) = Checkpoint.Load(path, recipe => new Gan(recipe));
        restored.RestoreRandomState(shuffle, random);
        return (gan, restored);
    }
}
