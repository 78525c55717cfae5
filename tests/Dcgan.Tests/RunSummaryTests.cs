using Dcgan.Runs;

namespace Dcgan.Tests;

public class RunSummaryTests
{
    [Theory]
    [InlineData( // this version: snake_case, with a recipe
        """{"seed": 8, "recipe": {"name": "tutorial", "precision": "fp32"}, "options": {"epochs": 3}, "epochs": [{"epoch": 1, "seconds": 4.0}]}""",
        """{"subject": "epoch 1", "model": {"frechet_distance_features": 9.5, "classifier_score": 8.75}, "epoch": 1}""",
        1, 8L, "fp32", 4.0, 9.5, 8.75)]
    [InlineData( // earlier versions: PascalCase options and metrics, no recipe (the tutorial's)
        """{"seed": 7, "options": {"Epochs": 3, "BatchSize": 256, "Precision": "bf16"}, "epochs": [{"epoch": 1, "seconds": 10.0}, {"epoch": 2, "seconds": 20.0}]}""",
        """{"Subject": "epoch 2", "Model": {"FrechetDistanceFeatures": 123.5, "ClassifierScore": 4.25}, "epoch": 2}""",
        2, 7L, "bf16", 15.0, 123.5, 4.25)]
    public void Run_folders_are_summarised_from_their_records(string runJson, string metricsLine,
        int epoch, long seed, string precision, double secondsPerEpoch, double fd, double score)
    {
        using var dir = new TempFolder();
        var run = new RunFolder(dir.File("run"));
        Directory.CreateDirectory(run.Path);
        File.WriteAllText(RunRecord.PathIn(run), runJson);
        File.WriteAllText(run.Metrics.Path, metricsLine + "\n");

        var summary = RunSummary.Of(run);

        Assert.Equal(("run", epoch, seed, "tutorial", precision, secondsPerEpoch), (summary.Name, summary.EpochReached, summary.Seed, summary.Recipe, summary.Precision, summary.SecondsPerEpoch));
        Assert.Null(summary.LatestCheckpoint);
        Assert.Equal(new LatestMetrics(fd, score), summary.LatestMetrics);
    }
}
