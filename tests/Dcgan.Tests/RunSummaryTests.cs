using Dcgan.Cli;
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
        File.WriteAllText(run.RecordPath, runJson);
        File.WriteAllText(run.Metrics.Path, metricsLine + "\n");

        var summary = RunSummary.Of(run);

        Assert.Equal(("run", epoch, seed, "tutorial", precision, secondsPerEpoch), (summary.Name, summary.EpochReached, summary.Seed, summary.Recipe, summary.Precision, summary.SecondsPerEpoch));
        Assert.Null(summary.LatestCheckpoint);
        Assert.Equal((fd, score), (summary.LatestMetrics!.FrechetDistanceFeatures, summary.LatestMetrics.ClassifierScore));
    }

    private static RunFolder Run(TempFolder dir, string name, string recipe, int seed, string seconds, params (int Epoch, double Score)[] evaluations) =>
        Run(dir, name, recipe, batch: 256, seed, seconds, evaluations);

    private static RunFolder Run(TempFolder dir, string name, string recipe, int batch, int seed, string seconds, params (int Epoch, double Score)[] evaluations)
    {
        var run = new RunFolder(dir.File(name));
        Directory.CreateDirectory(run.Path);
        File.WriteAllText(run.RecordPath, $$"""{"seed": {{seed}}, "recipe": {"name": "{{recipe}}", "precision": "fp32", "batch_size": {{batch}}}, "epochs": [{{seconds}}]}""");
        foreach (var (epoch, score) in evaluations)
        {
            File.AppendAllText(run.Metrics.Path, $$"""{"evaluator_hash": "0123456789abcdef", "model": {"classifier_score": {{score}}, "frechet_distance_features": 40.25, "effective_classes": 9.5, "recall": 0.5}, "floor": {"classifier_score": 9.5, "frechet_distance_features": 2.5, "effective_classes": 10, "recall": 0.875}, "epoch": {{epoch}}}""" + "\n");
        }
        return run;
    }

    [Fact]
    public void Evaluations_are_tabulated_per_recipe_with_a_column_per_seed_and_the_minutes_to_a_score()
    {
        using var dir = new TempFolder();
        const string Seconds = """{"epoch": 1, "seconds": 30}, {"epoch": 2, "seconds": 60}, {"epoch": 3, "seconds": 90}, {"epoch": 4, "seconds": 120}""";
        RunFolder[] runs =
        [
            Run(dir, "b", "fast", 2, Seconds, (2, 8.5), (4, 9)),
            Run(dir, "a", "fast", 1, Seconds, (2, 3), (4, 8)),
            Run(dir, "t", "tutorial", 1, Seconds, (2, 1.5)),
            Run(dir, "s", "fast", batch: 64, 1, Seconds, (2, 9)),
        ];

        string table = EvaluationHistory.Markdown(runs.Select(EvaluationHistory.Of), scoreTarget: 8);

        string[] expected =
        [
            "recipe fast (batch 256): classifier score / FD on features / effective classes / recall",
            "(evaluator 0123456789ab; real data: 9.50 / 2.5 / 10.0 / 0.88)",
            "",
            "| epoch | seed 1 | seed 2 |",
            "| ---: | ---: | ---: |",
            "| 2 | 3.00 / 40.2 / 9.5 / 0.50 | 8.50 / 40.2 / 9.5 / 0.50 |",
            "| 4 | 8.00 / 40.2 / 9.5 / 0.50 | 9.00 / 40.2 / 9.5 / 0.50 |",
            "| score >= 8 after | 5.0 min (epoch 4) | 1.5 min (epoch 2) |", // (30 + 60 + 90 + 120) s and (30 + 60) s
            "",
            "recipe tutorial (batch 256): classifier score / FD on features / effective classes / recall",
        ];
        Assert.Equal(expected, table.Split('\n')[..expected.Length].Select(l => l.TrimEnd('\r')));
        Assert.Contains("| score >= 8 after | not in 2 epochs |", table);
        Assert.Contains("recipe fast (batch 64): classifier", table); // another batch size is another experiment
        Assert.Contains("| 2 | 9.00 / 40.2 / 9.5 / 0.50 |\n", table.ReplaceLineEndings("\n"));
    }

    /// <summary>Records of the ImageNet features (their report's keys at the top, the evaluator's under "evaluator"
    /// where one judged) are tabulated on both, each beside its own floor; a run without an evaluator has the
    /// ImageNet table alone.</summary>
    [Fact]
    public void Evaluations_on_imagenet_features_are_tabulated_beside_their_floor_and_the_evaluator_where_one_judged()
    {
        using var dir = new TempFolder();
        const string Features = """ "n": 500, "fd_resnet18": 31.25, "kid_resnet18": {"mean": 0.0215, "std": 0.002}, "precision": 0.5, "recall": 0.25, "density": 0.75, "coverage": 0.625""";
        const string Floor = """ "floor": {"fd_resnet18": 6.125, "kid_resnet18": {"mean": 0.0005, "std": 0.0001}, "precision": 0.875, "recall": 0.875, "density": 1, "coverage": 0.9375}""";
        const string Evaluator = """ "evaluator": {"evaluator_hash": "fedcba9876543210", "model": {"classifier_score": 7.5, "frechet_distance_features": 20.5, "effective_classes": 9, "recall": 0.5}, "floor": {"classifier_score": 9.5, "frechet_distance_features": 2.5, "effective_classes": 10, "recall": 0.875}}""";
        RunFolder Write(string name, string record)
        {
            var run = new RunFolder(dir.File(name));
            Directory.CreateDirectory(run.Path);
            File.WriteAllText(run.RecordPath, $$"""{"seed": 1, "recipe": {"name": "{{name}}", "precision": "fp32", "batch_size": 64}, "epochs": [{"epoch": 1, "seconds": 60}]}""");
            File.WriteAllText(run.Metrics.Path, record + "\n");
            return run;
        }
        var alone = Write("folder", $$"""{"subject": "epoch 1", {{Features}}, {{Floor}}, "epoch": 1}""");
        var both = Write("digits", $$"""{"subject": "epoch 1", {{Features}}, {{Floor}}, {{Evaluator}}, "epoch": 1}""");

        string table = EvaluationHistory.Markdown(new[] { alone, both }.Select(EvaluationHistory.Of), scoreTarget: 8).ReplaceLineEndings("\n");

        Assert.Contains("""
            recipe folder (batch 64), on ImageNet features (ResNet-18; not Inception's FID): FD-ResNet18 / KID x 1000 / precision / recall, N = 500
            (real data: 6.1 / 0.5 / 0.88 / 0.88)

            | epoch | seed 1 |
            | ---: | ---: |
            | 1 | 31.2 / 21.5 / 0.50 / 0.25 |

            """.ReplaceLineEndings("\n"), table);
        Assert.DoesNotContain("recipe folder (batch 64): classifier", table);
        Assert.Contains("recipe digits (batch 64), on ImageNet features", table);
        Assert.Contains("""
            recipe digits (batch 64): classifier score / FD on features / effective classes / recall
            (evaluator fedcba987654; real data: 9.50 / 2.5 / 10.0 / 0.88)

            | epoch | seed 1 |
            | ---: | ---: |
            | 1 | 7.50 / 20.5 / 9.0 / 0.50 |
            | score >= 8 after | not in 1 epochs |
            """.ReplaceLineEndings("\n"), table);
        Assert.Null(RunSummary.Of(alone).LatestMetrics); // no evaluator's scores, not zeros
        Assert.Equal(7.5, RunSummary.Of(both).LatestMetrics!.ClassifierScore);
    }
}
