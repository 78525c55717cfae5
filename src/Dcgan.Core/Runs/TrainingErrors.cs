namespace Dcgan.Runs;

/// <summary>A resume was asked for with a setting that differs from the saved run's.
/// <see cref="Resumable"/> is what to give to resume it explicitly, when there is such a value (a recipe of the user's
/// own has no name that --recipe takes).</summary>
public sealed class RunConflictException(string runPath, string setting, string saved, string given, string? resumable)
    : ArgumentException($"{runPath} holds a run with {setting} {saved}, not {given}; resume it without naming another, or train into a new folder.")
{
    public string RunPath { get; } = runPath;
    public string Setting { get; } = setting;
    public string Saved { get; } = saved;
    public string? Resumable { get; } = resumable;
}

/// <summary>An option out of its range: which setting (a <see cref="TrainOptions"/> property), what it is in words, and
/// what it must be.</summary>
public sealed record OptionProblem(string Setting, string What, string Requirement)
{
    public override string ToString() => $"{What} {Requirement}";
}

/// <summary>Training was asked for with an option out of its range.</summary>
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
