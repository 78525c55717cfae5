namespace Dcgan.Runs;

/// <summary>A resume was asked for with a setting that differs from the saved run's.
/// <see cref="Resumable"/> is what to give to resume it explicitly, when there is such a value (a recipe of the user's
/// own has no built-in name).</summary>
public sealed class RunConflictException(string runPath, string setting, string saved, string given, string? resumable)
    : ArgumentException(FactOf(runPath, setting, saved, given) + "; resume it without naming another, or train into a new folder.")
{
    /// <summary>What is wrong, without what to do (which a program words in its own terms).</summary>
    public string Fact { get; } = FactOf(runPath, setting, saved, given);

    private static string FactOf(string runPath, string setting, string saved, string given) => $"{runPath} holds a run with {setting} {saved}, not {given}";

    public string RunPath { get; } = runPath;
    public string Setting { get; } = setting;
    public string Saved { get; } = saved;
    public string? Resumable { get; } = resumable;
}

/// <summary>An option out of its range, or data that a run cannot take with these options: which setting (a
/// <see cref="TrainOptions"/> property, or a <see cref="Data.DataRequest"/> one for the data), what it is in words, and what it must be.</summary>
public sealed record OptionProblem(string Setting, string What, string Requirement)
{
    public override string ToString() => $"{What} {Requirement}";
}

/// <summary>Training was asked for with an option out of its range, or with data it cannot take (images of a size no
/// model makes; no labels for a recipe that learns from them).</summary>
public sealed class InvalidOptionException(OptionProblem problem) : ArgumentException(problem.ToString())
{
    public OptionProblem Problem { get; } = problem;
}

/// <summary>Training stopped on request (Ctrl+C) after a whole step; <see cref="CheckpointPath"/> holds the state
/// to resume from.</summary>
public sealed class TrainingInterruptedException(string checkpointPath)
    : OperationCanceledException($"interrupted; the run is saved in {checkpointPath} and resumes from there with the same command.")
{
    public string CheckpointPath { get; } = checkpointPath;
}

/// <summary>The data was found damaged while training read it (a prepared folder's chunk that no longer matches its
/// seal): the damaged copy is removed, and the run saved at the last whole step, in <see cref="CheckpointPath"/>.</summary>
internal sealed class TrainingDataDamagedException(Data.PreparedFileDamagedException damage, string checkpointPath)
    : IOException($"{damage.Message[..^1]}; it was removed, and the run is saved in {checkpointPath}: the same command prepares the folder again and goes on from there.", damage)
{
    public string CheckpointPath { get; } = checkpointPath;
}

/// <summary>Another process is training in <see cref="RunPath"/> (it holds the folder's lock).</summary>
public sealed class RunBusyException(string runPath, Exception inner)
    : IOException(FactOf(runPath) + "; wait for it, stop it, or train into another folder.", inner)
{
    /// <summary>What is wrong, without what to do (which a program words in its own terms).</summary>
    public string Fact { get; } = FactOf(runPath);

    private static string FactOf(string runPath) => $"another dcgan process is training in {runPath}";

    public string RunPath { get; } = runPath;
}

/// <summary>A run folder whose saved run is of images of another shape than the data given now.</summary>
public sealed class ShapeMismatchException(string runPath, Models.ImageShape saved, Models.ImageShape given)
    : ArgumentException(FactOf(runPath, saved, given) + "; resume it at its shape, or train into a new folder.")
{
    /// <summary>What is wrong, without what to do (which a program words in its own terms).</summary>
    public string Fact { get; } = FactOf(runPath, saved, given);

    private static string FactOf(string runPath, Models.ImageShape saved, Models.ImageShape given) =>
        $"{runPath} holds a run of {saved.Describe()} images, and these are {given.Describe()}";

    public string RunPath { get; } = runPath;
    public Models.ImageShape Saved { get; } = saved;
    public Models.ImageShape Given { get; } = given;
}
