using System.CommandLine;
using Dcgan.Models;
using Dcgan.Runs;

namespace Dcgan.Cli;

/// <summary>dcgan serve: the live page and playground of one or more runs, until Ctrl+C.</summary>
internal static class ServeCommand
{
    private static readonly ServeOptions Where = new();
    private static readonly Option<DirectoryInfo[]> Run = new("--run")
    {
        Description = "A run folder to show (repeatable)",
        AllowMultipleArgumentsPerToken = false,
    };
    private static readonly Option<DirectoryInfo> Runs = new("--runs") { Description = "A folder of run folders: every one is shown" };

    public static Command Create()
    {
        var command = new Command("serve", "Show runs in the browser as they train, and draw from their checkpoints.\n" +
            "Example: dcgan serve --run runs/mnist   (then open http://127.0.0.1:5199/)")
        {
            Run, Runs,
        };
        Where.AddTo(command);
        command.Validators.Add(result =>
        {
            if (result.GetResult(Run) is null && result.GetResult(Runs) is null)
            {
                result.AddError("Name what to show: --run DIR (repeatable) or --runs FOLDER.");
            }
        });
        command.SetAction(parsed => UserErrors.Run(parsed, () =>
        {
            var runs = Folders(parsed);
            NativeSetup.Apply(); // the process's own settings (NNPACK off, freed memory reused), now that models come next
            var server = Where.Start(parsed, runs);
            using var stop = new StopSignals(); // after the start, so that a start that hangs can still be interrupted
            Console.WriteLine("Ctrl+C stops it.");
            stop.Token.WaitHandle.WaitOne();
            server.DisposeAsync().AsTask().GetAwaiter().GetResult();
            Console.WriteLine("Stopped.");
            return 0;
        }));
        return command;
    }

    /// <summary>The folders named, each checked to be a folder; for --runs, those of its folders that hold a run.</summary>
    private static List<RunFolder> Folders(ParseResult parsed)
    {
        var folders = new List<RunFolder>();
        foreach (var dir in parsed.GetValue(Run) ?? [])
        {
            folders.Add(Existing(dir.FullName, "--run"));
        }
        if (parsed.GetValue(Runs) is { } parent)
        {
            Existing(parent.FullName, "--runs");
            var found = RunFolder.In(parent.FullName);
            folders.AddRange(found.Count > 0 ? found
                : throw new ArgumentException($"--runs {parent.FullName} holds no run folders (none has run.json or checkpoints)."));
        }
        return folders;
    }

    private static RunFolder Existing(string path, string option) =>
        Directory.Exists(path) ? new RunFolder(path) : throw new ArgumentException($"{option} {path} is not a folder; name a run folder (the --out of dcgan train).");
}
