using Dcgan.Models;

namespace Dcgan.Training;

/// <summary>The tutorial's constants, as options.</summary>
public sealed record TrainOptions
{
    /// <summary>EPOCHS = 50.</summary>
    public int Epochs { get; init; } = 50;

    /// <summary>The recipe of a new run (null: the tutorial's). A resumed run keeps its own; naming another is refused.</summary>
    public string? Recipe { get; init; }

    /// <summary>Overrides the recipe's batch size; null: the recipe's (a resumed run's own).</summary>
    public int? BatchSize { get; init; }

    /// <summary>Overrides the recipe's arithmetic; null: the recipe's (a resumed run's own).</summary>
    public Precision? Precision { get; init; }

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


    /// <summary>Where the images came from, for run.json.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public Data.DataOrigin? Origin { get; init; }

    /// <summary>Check libtorch's kernels on this CPU against float64 before the first step (about a second), and refuse
    /// to train on wrong arithmetic.</summary>
    public bool SelfCheck { get; init; } = true;

    /// <summary>The first problem with these options, in words a user can act on (free of command-line flags, which
    /// the command line checks and names itself), or null.</summary>
    public string? Problem() =>
        Epochs < 1 ? $"the number of epochs must be at least 1 (got {Epochs})."
        : BatchSize < 1 ? $"the batch size must be at least 1 (got {BatchSize})."
        : CheckpointEvery < 1 ? $"checkpoints must be at least 1 epoch apart (got {CheckpointEvery}); the last epoch is always saved."
        : ExamplesToGenerate < 1 ? $"the grid needs at least one example (got {ExamplesToGenerate})."
        : Keep < 1 ? $"at least 1 checkpoint must be kept (got {Keep})."
        : EvalEvery < 1 ? $"evaluations must be at least 1 epoch apart (got {EvalEvery})."
        : Recipe is { } name && !Training.Recipe.Names.Contains(name)
            ? $"there is no recipe '{name}'; the recipes are {string.Join(", ", Training.Recipe.Names)}."
        : null;

    /// <summary>The recipe a new run trains with: the named one, with the batch size and precision given.</summary>
    public Recipe NewRecipe()
    {
        var recipe = Training.Recipe.Named(Recipe ?? Training.Recipe.Tutorial.Name);
        return recipe with { BatchSize = BatchSize ?? recipe.BatchSize, Precision = Precision ?? recipe.Precision };
    }

    /// <summary>The first setting given that differs from the saved run's (name, saved, given), or null: only what
    /// was given counts.</summary>
    public (string Setting, string Saved, string Given)? ConflictWith(Recipe saved, long savedSeed) =>
        Recipe is { } name && name != saved.Name ? ("recipe", saved.Name, name)
        : BatchSize is { } size && size != saved.BatchSize ? ("batch size", $"{saved.BatchSize}", $"{size}")
        : Precision is { } precision && precision != saved.Precision
            ? ("precision", saved.Precision.ToString().ToLowerInvariant(), precision.ToString().ToLowerInvariant())
        : Seed is { } seed && seed != savedSeed ? ("seed", $"{savedSeed}", $"{seed}")
        : null;
}

/// <summary>A resume was asked for with a setting that differs from the saved run's.</summary>
public sealed class RunConflictException(string runPath, string setting, string saved, string given)
    : ArgumentException($"{runPath} holds a run with {setting} {saved}, not {given}; resume it without naming another, or train into a new folder.")
{
    public string RunPath { get; } = runPath;
    public string Setting { get; } = setting;
    public string Saved { get; } = saved;
}
