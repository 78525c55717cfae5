using System.CommandLine;
using System.Globalization;
using Dcgan.Runs;
using Dcgan.Training;

namespace Dcgan.Cli;

/// <summary>dcgan runs: the runs in a folder, with how far they got and their latest metrics.</summary>
internal static class RunsCommand
{
    public static Command Create()
    {
        var folder = new Argument<DirectoryInfo>("folder") { Description = "Where the run folders are", DefaultValueFactory = _ => new DirectoryInfo("runs") };
        var command = new Command("runs", "List the runs in a folder: epochs reached, seed, time per epoch, latest checkpoint and metrics.\n" +
            "Example: dcgan runs runs") { folder };
        command.SetAction(parsed => UserErrors.Run(() =>
        {
            var root = parsed.GetValue(folder)!;
            if (!root.Exists)
            {
                throw new DirectoryNotFoundException($"{root.FullName} does not exist; name the folder that holds your run folders.");
            }
            var c = CultureInfo.InvariantCulture;
            var runs = root.EnumerateDirectories().Select(d => new RunFolder(d.FullName))
                .Where(r => File.Exists(RunRecord.PathIn(r)) || r.Checkpoints().Count > 0).OrderBy(r => r.Path, StringComparer.Ordinal).ToList();
            if (runs.Count == 0)
            {
                Console.WriteLine($"No runs in {root.FullName}.");
                return 0;
            }
            Console.WriteLine($"{"run",-24} {"epochs",7} {"seed",12} {"recipe",-10} {"arith",5} {"s/epoch",8} {"checkpoint",-26} {"FD features",12} {"score",6}");
            foreach (var run in runs)
            {
                var record = RunRecord.Read(run);
                var epochs = record["epochs"]?.AsArray() ?? [];
                string reached = epochs.Count > 0 ? epochs[^1]!["epoch"]!.ToString() : "-";
                string perEpoch = epochs.Count > 0 ? epochs.Average(e => (double)e!["seconds"]!).ToString("F1", c) : "-";
                var metrics = run.Metrics.Read();
                string fd = metrics.Count > 0 ? ((double)metrics[^1]["Model"]!["FrechetDistanceFeatures"]!).ToString("F1", c) : "-";
                string score = metrics.Count > 0 ? ((double)metrics[^1]["Model"]!["ClassifierScore"]!).ToString("F2", c) : "-";
                string checkpoint = run.LatestCheckpoint() is { } latest ? Path.GetFileName(latest) : "-";
                Console.WriteLine(string.Create(c, $"{Path.GetFileName(run.Path),-24} {reached,7} {record["seed"]?.ToString() ?? "-",12} {record["recipe"]?["name"]?.ToString() ?? "tutorial",-10} {record["recipe"]?["precision"]?.ToString() ?? record["options"]?["Precision"]?.ToString() ?? "fp32",5} {perEpoch,8} {checkpoint,-26} {fd,12} {score,6}"));
            }
            return 0;
        }));
        return command;
    }
}
