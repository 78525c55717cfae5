using System.CommandLine;
using System.Globalization;
using Dcgan.Evaluation;
using Dcgan.IO;
using Dcgan.Models;
using Dcgan.Runs;
using Dcgan.Training;

namespace Dcgan.Cli;

/// <summary>dcgan train: the tutorial's whole run.</summary>
internal static class TrainCommand
{
    private static readonly TrainOptions Defaults = new();
    private static readonly Option<int> Epochs = new Option<int>("--epochs") { Description = "Epochs to train to", DefaultValueFactory = _ => Defaults.Epochs };
    private static readonly Option<int?> BatchSize = new Option<int?>("--batch-size") { Description = "Images per train step (default: the recipe's, or a resumed run's own)" };

    private static readonly Option<int> CheckpointEvery = new Option<int>("--checkpoint-every")
    {
        Description = "Save a checkpoint every N epochs (the last epoch is always saved)",
        DefaultValueFactory = _ => Defaults.CheckpointEvery,
    };
    private static readonly Option<DirectoryInfo> Output = new("--out")
    {
        Description = "The run's folder: grids, checkpoints, GIF. A folder with checkpoints is resumed",
        DefaultValueFactory = _ => new DirectoryInfo("runs/dcgan"),
    };
    private static readonly Option<long?> Seed = new("--seed") { Description = "Random seed for weights, noise, dropout and shuffling (default: a new one, printed)" };
    private static readonly Option<int?> Keep = new("--keep") { Description = "Keep only the newest N checkpoints (default: every one)" };
    private static readonly Option<int?> EvalEvery = new("--eval-every") { Description = "Evaluate every N epochs (and after the last) into metrics.jsonl: on ImageNet features against the run's own images, and with the evaluator where one fits; costs time" };
    private static readonly Option<FileInfo> Evaluator = new("--evaluator") { Description = "An evaluator for --eval-every, beside the ImageNet features (default: the one 'dcgan evaluator train' saved for a built-in dataset, where it judges the run's shape)" };
    private static readonly Option<int> EvalCount = new Option<int>("--eval-count") { Description = "Images per evaluation", DefaultValueFactory = _ => 10_000 }.AtLeast(Comparison.MinImages)
        .AtMost(Limits.MaxSamples, "more than any test set holds");
    private static readonly Option<FileInfo> EvalReference = new("--eval-reference") { Description = "Real held-out images for --eval-every (default: the dataset's test split)" };
    private static readonly Option<DirectoryInfo> Tensorboard = new("--tensorboard") { Description = "Also write TensorBoard event files (losses, D outputs, grids) into this folder" };
    private static readonly Option<bool> Serve = new("--serve") { Description = "Show the run in the browser as it trains (see dcgan serve; --port, --host)" };
    private static readonly ServeOptions Where = new();
    private static readonly Option<string> Augment = new("--augment")
    {
        Description = "Augment every image the discriminator sees, real and fake (DiffAugment), so that a few hundred pictures are enough: " +
            "color,translation,cutout or some of them (default: the recipe's; of the built-in ones, only dcgan-small augments)",
    };
    private static readonly Option<double> AugmentTarget = new Option<double>("--augment-target")
    {
        Description = "With --augment: adapt its probability, from 0, to keep the discriminator's E[sign(D(real))] at this target (ADA; its paper's is 0.6)",
    }.Between(0, 1, ", as a mean of signs the discriminator should reach");
    private static readonly Option<bool> SkipSelfCheck = new("--skip-self-check") { Description = "Do not check libtorch's kernels against float64 before training (see dcgan doctor)" };

    /// <summary>--augment, adapted with --augment-target; a target alone is refused (it has nothing to adapt).</summary>
    private static AugmentSettings? Augmentation(string? policy, double? target) =>
        policy is null && target is not null
            ? throw new InvalidOptionException(new("AugmentTarget", "the augmentation's target", "needs --augment: the operations whose probability it adapts."))
            : policy is null ? null : new AugmentSettings(policy, Target: target);

    public static Command Create()
    {
        var data = new DataOptions();
        var recipe = OptionRules.RecipeOption(string.Create(CultureInfo.InvariantCulture, $"default: {Recipe.Tutorial.Name} for 28x28 gray; at any other shape dcgan-small for fewer than {Recipe.SmallSetImages:N0} images, dcgan for more; or a resumed run's own"));
        var precision = OptionRules.PrecisionOption(defaultValue: null);
        var command = new Command("train", "Train the tutorial's generator and discriminator adversarially, or resume a run (MNIST unless told otherwise).\n" +
            "Example: dcgan train --recipe improved --epochs 50 --out runs/mnist\n" +
            "         dcgan train --data my-pictures --image-size 64 --epochs 25 --out runs/mine")
        {
            recipe, Epochs, BatchSize, CheckpointEvery, Output, Seed, Keep, precision, EvalEvery, Evaluator, EvalCount, EvalReference,
            Augment, AugmentTarget, Tensorboard, Serve, SkipSelfCheck,
        };
        data.AddTo(command);
        Where.AddTo(command);
        command.SetAction(parsed => UserErrors.Run(parsed, () =>
        {
            var options = new TrainOptions
            {
                Recipe = OptionRules.ToRecipe(parsed.GetValue(recipe)),
                Epochs = parsed.GetValue(Epochs),
                BatchSize = parsed.GetValue(BatchSize),
                CheckpointEvery = parsed.GetValue(CheckpointEvery),
                Seed = parsed.GetValue(Seed),
                Keep = parsed.GetValue(Keep),
                EvalEvery = parsed.GetValue(EvalEvery),
                Precision = OptionRules.ToPrecision(parsed.GetValue(precision)),
                SelfCheck = !parsed.GetValue(SkipSelfCheck),
                Augment = Augmentation(parsed.GetValue(Augment), parsed.GetResult(AugmentTarget) is null ? null : parsed.GetValue(AugmentTarget)),
            };
            var request = data.Request(parsed);
            string? tensorboardFolder = parsed.GetValue(Tensorboard) is { } t ? OutputPath.CheckFolder(t.FullName, "--tensorboard") : null;
            var plan = Trainer.Prepare(options, request, parsed.GetValue(Output)!.FullName, Downloads.Loader);
            NativeSetup.Apply(); // the process's own settings (NNPACK off, freed memory reused), now that models come next
            string classes = plan.Data.ClassNames is { } names ? $", {names.Count} classes: {string.Join(", ", names)}" : "";
            Console.WriteLine($"Data: {plan.Data.Count} images of {plan.Data.DescribeShape()} from {plan.Origin?.Path}{classes}");
            if (!plan.Recipe.Shape.IsTutorial)
            {
                using var generator = plan.Recipe.NewGenerator();
                using var discriminator = plan.Recipe.NewDiscriminator();
                Console.WriteLine(ModelSummary.Of(generator));
                Console.WriteLine(ModelSummary.Of(discriminator));
            }
            using var evaluation = options.EvalEvery is null ? null
                : TrainingEvaluation.Prepare(request, plan.Data, parsed.GetValue(Evaluator)?.FullName, parsed.GetValue(EvalReference)?.FullName,
                    parsed.GetValue(EvalCount), Downloads.Loader, Console.Error.WriteLine);
            var tensorboard = tensorboardFolder is null ? null : new TensorBoardLog(tensorboardFolder);
            using var cancel = new StopSignals();
            var server = parsed.GetValue(Serve) ? Where.Start(parsed, [plan.Run]) : null;
            try
            {
                TrainProgress.Run(options.Epochs, progress =>
                    Trainer.Run(plan, [progress, .. tensorboard is null ? [] : new IRunObserver[] { tensorboard }, .. FaultHold.FromEnvironment(cancel.Token)],
                        evaluation, cancel.Token));
            }
            finally
            {
                server?.DisposeAsync().AsTask().GetAwaiter().GetResult(); // the page goes with the run; 'dcgan serve' shows it after
            }
            Console.WriteLine($"Done: grids and {Path.GetFileName(plan.Run.GifPath)} in {plan.Run.Path}, checkpoints in {plan.Run.CheckpointFolder}");
            return 0;
        }));
        return command;
    }
}
