using System.CommandLine;
using System.Globalization;
using Dcgan.Runs;

namespace Dcgan.Cli;

/// <summary>dcgan runs: the runs in a folder, with how far they got and their latest metrics.</summary>
internal static class RunsCommand
{
    public static Command Create()
    {
        var folder = new Argument<DirectoryInfo>("folder") { Description = "Where the run folders are", DefaultValueFactory = _ => new DirectoryInfo("runs") };
        var evaluations = new Option<bool>("--evaluations") { Description = "Instead, a Markdown table per recipe and batch size of every evaluation made during training (--eval-every), a column per seed" };
        var scoreTarget = new Option<double>("--score-target") { Description = "With --evaluations: report each run's minutes to the first classifier score of at least this", DefaultValueFactory = _ => 8.0 }.Between(0, 10, ", as a classifier score of 10 classes is");
        var command = new Command("runs", "List the runs in a folder, or (--evaluations) tabulate their evaluations per recipe and seed.\n" +
            "Example: dcgan runs runs --evaluations") { folder, evaluations, scoreTarget };
        command.SetAction(parsed => UserErrors.Run(parsed, () =>
        {
            var root = parsed.GetValue(folder)!;
            if (!root.Exists)
            {
                throw new DirectoryNotFoundException(File.Exists(root.FullName)
                    ? $"{root.FullName} is a file; name the folder that holds your run folders (each with its checkpoints)."
                    : $"{root.FullName} does not exist; name the folder that holds your run folders.");
            }
            var c = CultureInfo.InvariantCulture;
            var runs = RunFolder.In(root.FullName);
            if (runs.Count == 0)
            {
                Console.WriteLine($"No runs in {root.FullName}.");
                return 0;
            }
            if (parsed.GetValue(evaluations))
            {
                Console.Write(EvaluationHistory.Markdown(runs.Select(EvaluationHistory.Of), parsed.GetValue(scoreTarget)));
                return 0;
            }
            Console.WriteLine($"{"run",-24} {"epochs",7} {"seed",12} {"recipe",-16} {"arith",5} {"s/epoch",8} {"checkpoint",-26} {"FD features",12} {"score",6}");
            foreach (var summary in runs.Select(RunSummary.Of))
            {
                var m = summary.LatestMetrics;
                Console.WriteLine(string.Create(c,
                    $"{summary.Name,-24} {summary.EpochReached?.ToString(c) ?? "-",7} {summary.Seed?.ToString(c) ?? "-",12} {summary.Recipe,-16} {summary.Precision,5} {summary.SecondsPerEpoch?.ToString("F1", c) ?? "-",8} {summary.LatestCheckpoint ?? "-",-26} {m?.FrechetDistanceFeatures.ToString("F1", c) ?? "-",12} {m?.ClassifierScore.ToString("F2", c) ?? "-",6}"));
            }
            return 0;
        }));
        return command;
    }
}
