using Dcgan.Runs;

namespace Dcgan.Tests;

public class RunSummaryTests
{
    [Fact]
    public void A_run_folder_from_before_recipes_and_snake_case_is_still_summarised()
    {
        using var dir = new TempFolder();
        var run = new RunFolder(dir.File("old"));
        Directory.CreateDirectory(run.Path);
        File.WriteAllText(RunRecord.PathIn(run),
            """{"seed": 7, "options": {"Epochs": 3, "BatchSize": 256, "Precision": "bf16"}, "epochs": [{"epoch": 1, "seconds": 10.0}, {"epoch": 2, "seconds": 20.0}]}""");
        File.WriteAllText(run.Metrics.Path, """{"Subject": "epoch 2", "Model": {"FrechetDistanceFeatures": 123.5, "ClassifierScore": 4.25}, "epoch": 2}""" + "\n");

        var summary = RunSummary.Of(run);

        Assert.Equal(("old", 2, 7L, "tutorial", "bf16", 15.0), (summary.Name, summary.EpochReached, summary.Seed, summary.Recipe, summary.Precision, summary.SecondsPerEpoch));
        Assert.Equal(new LatestMetrics(123.5, 4.25), summary.LatestMetrics);
    }

    [Fact]
    public void A_current_run_folder_is_read_in_snake_case()
    {
        using var dir = new TempFolder();
        var run = new RunFolder(dir.File("new"));
        Directory.CreateDirectory(run.Path);
        File.WriteAllText(RunRecord.PathIn(run),
            """{"seed": 8, "recipe": {"name": "tutorial", "precision": "fp32"}, "options": {"epochs": 3}, "epochs": [{"epoch": 1, "seconds": 4.0}]}""");
        File.WriteAllText(run.Metrics.Path, """{"subject": "epoch 1", "model": {"frechet_distance_features": 9.5, "classifier_score": 8.75}, "epoch": 1}""" + "\n");

        var summary = RunSummary.Of(run);

        Assert.Equal((1, 8L, "tutorial", "fp32", null as string), (summary.EpochReached, summary.Seed, summary.Recipe, summary.Precision, summary.LatestCheckpoint));
        Assert.Equal(new LatestMetrics(9.5, 8.75), summary.LatestMetrics);
    }
}
