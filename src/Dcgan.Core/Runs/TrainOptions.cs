using Dcgan.Models;
using Dcgan.Training;

namespace Dcgan.Runs;

/// <summary>The tutorial's constants, as options.</summary>
public sealed record TrainOptions
{
    /// <summary>EPOCHS = 50.</summary>
    public int Epochs { get; init; } = 50;

    /// <summary>The recipe of a new run (<see cref="Recipe.Named"/>, <see cref="Recipe.Load"/>, or one of your
    /// own; null: <see cref="Training.Recipe.DefaultFor"/>, the tutorial's for 28x28 gray images, and at any other shape dcgan-small for a small set, the DCGAN paper's (dcgan) otherwise). A resumed run keeps its own; naming one that trains otherwise is refused.</summary>
    public Recipe? Recipe { get; init; }

    /// <summary>Overrides the recipe's batch size; null: the recipe's (a resumed run's own).</summary>
    public int? BatchSize { get; init; }

    /// <summary>Overrides the recipe's arithmetic; null: the recipe's (a resumed run's own).</summary>
    public Precision? Precision { get; init; }

    /// <summary>Turns on (or changes) the recipe's differentiable augmentation of what the discriminator sees, for a
    /// small set of images (<see cref="AugmentSettings"/>); null: the recipe's (a resumed run's own).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public AugmentSettings? Augment { get; init; }

    /// <summary>The tutorial saves every 15 epochs; we also save after the last one.</summary>
    public int CheckpointEvery { get; init; } = 15;

    /// <summary>num_examples_to_generate = 16: the 4x4 grid.</summary>
    public int ExamplesToGenerate { get; init; } = 16;

    /// <summary>Seeds the weights, the noise, dropout and the shuffle. The tutorial sets none; a new run without one
    /// draws one and records it, so any run can be repeated. A resumed run keeps its own.</summary>
    public long? Seed { get; init; }

    /// <summary>How many whole-epoch checkpoints to keep, newest first; null keeps every one, as the tutorial does.</summary>
    public int? Keep { get; init; }

    /// <summary>Evaluate the generator every N epochs (and after the last) into metrics.jsonl; null: never.</summary>
    public int? EvalEvery { get; init; }

    /// <summary>Check libtorch's kernels on this CPU against float64 before the first step (about two seconds;
    /// docs/cpus.md), and refuse to train on wrong arithmetic. Off unless asked; the command line asks.</summary>
    public bool SelfCheck { get; init; }

    /// <summary>The first problem with these options, or null. The checks live here, once; a command line names its
    /// own flag for <see cref="OptionProblem.Setting"/>.</summary>
    public OptionProblem? Problem() =>
        Epochs < 1 ? new(nameof(Epochs), "the number of epochs", $"must be at least 1 (got {Epochs}).")
        : BatchSize < 1 ? new(nameof(BatchSize), "the batch size", $"must be at least 1 (got {BatchSize}).")
        : BatchSize > Training.Recipe.MaxBatch ? new(nameof(BatchSize), "the batch size", $"must be at most {Training.Recipe.MaxBatch} (got {BatchSize}).")
        : CheckpointEvery < 1 ? new(nameof(CheckpointEvery), "the epochs between checkpoints", $"must be at least 1 (got {CheckpointEvery}); the last epoch is always saved.")
        : ExamplesToGenerate < 1 ? new(nameof(ExamplesToGenerate), "the grid's examples", $"must be at least 1 (got {ExamplesToGenerate}).")
        : Keep < 1 ? new(nameof(Keep), "the checkpoints to keep", $"must be at least 1 (got {Keep}).")
        : EvalEvery < 1 ? new(nameof(EvalEvery), "the epochs between evaluations", $"must be at least 1 (got {EvalEvery}).")
        : Augment?.Problem() is { } augment ? new(nameof(Augment), "the augmentation", $"is refused: {augment}")
        : Recipe?.Problem() is { } wrong ? new(nameof(Recipe), "the recipe", wrong)
        : null;

    /// <summary>The recipe a new run on <paramref name="images"/> images of <paramref name="shape"/> trains with:
    /// <paramref name="asked"/> (when null, <see cref="Training.Recipe.DefaultFor"/>), for that shape, with the batch
    /// size, precision and augmentation given. An ArgumentException when the asked recipe's models cannot take the
    /// shape.</summary>
    public Recipe NewRecipe(Recipe? asked, ImageShape shape, long? images = null)
    {
        var recipe = (asked ?? Training.Recipe.DefaultFor(shape, images)).For(shape);
        return recipe with { BatchSize = BatchSize ?? recipe.BatchSize, Precision = Precision ?? recipe.Precision, Augment = Augment ?? recipe.Augment };
    }

    /// <summary>The same for <see cref="Recipe"/> at <paramref name="shape"/> (by default the recipe's own, or the
    /// tutorial's 28x28 gray), after the options are checked (InvalidOptionException).</summary>
    public Recipe NewRecipe(ImageShape? shape = null) =>
        Problem() is { } problem ? throw new InvalidOptionException(problem) : NewRecipe(Recipe, shape ?? Recipe?.Shape ?? ImageShape.Tutorial);

    /// <summary>The first setting given that differs from the saved run's (name, saved, given), or null: only what
    /// was given counts. <paramref name="asked"/> is <see cref="Recipe"/> (fitted to the data's classes); it must
    /// train as the saved recipe does, whatever either is called, so a run saved under a former name resumes under
    /// the new one.</summary>
    public (string Setting, string Saved, string Given)? ConflictWith(Recipe saved, long savedSeed, Recipe? asked) =>
        asked is not null && !asked.TrainsAs(saved)
            ? ("recipe", saved.Name, asked.Name == saved.Name ? $"{asked.Name} as it reads now (other numbers)" : asked.Name)
        : BatchSize is { } size && size != saved.BatchSize ? ("batch size", $"{saved.BatchSize}", $"{size}")
        : Precision is { } precision && precision != saved.Precision
            ? ("precision", saved.Precision.ToString().ToLowerInvariant(), precision.ToString().ToLowerInvariant())
        : Augment is { } augment && augment != saved.Augment ? ("augment", saved.Augment?.Describe() ?? "none", augment.Describe())
        : Seed is { } seed && seed != savedSeed ? ("seed", $"{savedSeed}", $"{seed}")
        : null;
}
