using Dcgan.Models;

namespace Dcgan.Training;

/// <summary>The tutorial's constants, as options.</summary>
public sealed record TrainOptions
{
    /// <summary>EPOCHS = 50.</summary>
    public int Epochs { get; init; } = 50;

    /// <summary>BATCH_SIZE = 256.</summary>
    public int BatchSize { get; init; } = 256;

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

    /// <summary>The convolutions' arithmetic: the tutorial's float32, or mixed precision with bfloat16.</summary>
    public Precision Precision { get; init; } = Precision.Fp32;

    /// <summary>Check libtorch's kernels on this CPU against float64 before the first step (about a second), and refuse
    /// to train on wrong arithmetic.</summary>
    public bool SelfCheck { get; init; } = true;

    /// <summary>The first problem with these options, in words a user can act on, or null.</summary>
    public string? Problem() =>
        Epochs < 1 ? $"--epochs must be at least 1 (got {Epochs})."
        : BatchSize < 1 ? $"--batch-size must be at least 1 (got {BatchSize})."
        : CheckpointEvery < 1 ? $"--checkpoint-every must be at least 1 (got {CheckpointEvery}); the last epoch is always saved."
        : ExamplesToGenerate < 1 ? $"the grid needs at least one example (got {ExamplesToGenerate})."
        : Keep < 1 ? $"--keep must be at least 1 (got {Keep})."
        : EvalEvery < 1 ? $"--eval-every must be at least 1 (got {EvalEvery})."
        : null;
}
