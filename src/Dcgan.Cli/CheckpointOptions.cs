using System.CommandLine;
using Dcgan.Models;
using Dcgan.Runs;
using Dcgan.Training;

namespace Dcgan.Cli;

/// <summary>--run DIR | --checkpoint FILE: which trained models a command uses.</summary>
internal sealed class CheckpointOptions
{
    private readonly Option<DirectoryInfo> run = new("--run") { Description = "A run folder: its latest checkpoint is used" };
    private readonly Option<FileInfo> checkpoint = new("--checkpoint") { Description = "A checkpoint file (instead of --run)" };

    private readonly bool required;

    /// <param name="required">Whether one of the two must be given (otherwise: at most one).</param>
    public CheckpointOptions(bool required = true) => this.required = required;

    public void AddTo(Command command)
    {
        command.Options.Add(run);
        command.Options.Add(checkpoint);
        command.Validators.Add(result =>
        {
            bool both = result.GetResult(run) is not null && result.GetResult(checkpoint) is not null;
            if (both || (required && !Given(result)))
            {
                result.AddError("Name either --run DIR or --checkpoint FILE (one of them).");
            }
        });
    }

    public bool Given(System.CommandLine.Parsing.CommandResult result) =>
        result.GetResult(run) is not null || result.GetResult(checkpoint) is not null;

    /// <summary>The models of the named checkpoint (or the run's latest), without training state.</summary>
    public TrainedModels Load(ParseResult parsed)
    {
        var models = Checkpoint.LoadModels(PathOf(parsed));
        NativeSetup.Apply(); // the process's own settings (NNPACK off, freed memory reused), now that models come next
        return models;
    }

    /// <summary>The run folder named with --run, or the one a --checkpoint file sits in, or null.</summary>
    public string? RunPath(ParseResult parsed) =>
        parsed.GetValue(run)?.FullName ?? (parsed.GetValue(checkpoint) is { } file ? RunFolder.Of(file.FullName)?.Path : null);

    /// <summary>The checkpoint file named, or the run's latest.</summary>
    public string PathOf(ParseResult parsed) => parsed.GetValue(checkpoint)?.FullName ?? LatestOf(parsed.GetValue(run)!.FullName);

    private static string LatestOf(string runPath) =>
        new RunFolder(runPath).LatestCheckpoint()
        ?? throw new InvalidDataException($"{runPath} holds no checkpoints (checkpoints/epoch-NNNN.ckpt); train into it first, or name a file with --checkpoint.");
}
