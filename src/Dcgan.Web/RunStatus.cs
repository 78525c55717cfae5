using System.Text.Json.Nodes;
using Dcgan.Runs;

namespace Dcgan.Web;

/// <summary>What the live page shows of a run, as JSON: the recipe, seed, precision and epochs, the time per epoch and
/// what is left, the grids and checkpoints there, and the evaluations beside the real-data floor.</summary>
internal static class RunStatus
{
    public static JsonObject Of(ServedRun run)
    {
        var metrics = run.Folder.ReadMetrics();
        var summary = RunSummary.Of(run.Folder, metrics);
        var record = run.Folder.ReadRecord();
        int? target = (int?)record["options"]?["epochs"];
        double? left = summary.SecondsPerEpoch is { } seconds && target is { } end && summary.EpochReached is { } reached && reached < end
            ? seconds * (end - reached)
            : null;
        var evaluations = new JsonArray();
        foreach (var row in metrics)
        {
            var imageNet = Evaluation.ImageNetReport.Read(row);
            evaluations.Add(new JsonObject
            {
                ["epoch"] = (int?)row["epoch"],
                ["model"] = Scores(row, "model"),
                ["floor"] = Scores(row, "floor"),
                ["imagenet"] = Features(imageNet, floor: false),
                ["imagenet_floor"] = Features(imageNet, floor: true),
            });
        }
        return new JsonObject
        {
            ["id"] = run.Id,
            ["name"] = run.Name,
            ["recipe"] = summary.Recipe,
            ["seed"] = summary.Seed,
            ["precision"] = summary.Precision,
            ["image"] = ShapeOf(record).Describe(),
            ["epoch"] = summary.EpochReached,
            ["epochs"] = target,
            ["seconds_per_epoch"] = summary.SecondsPerEpoch,
            ["seconds_left"] = left,
            ["code_categories"] = (int?)record["recipe"]?["code_categories"] ?? 0,
            ["category_names"] = record["recipe"]?["category_names"]?.DeepClone(), // null: the categories are numbers
            ["grids"] = new JsonArray([.. run.Epochs().Select(e => (JsonNode)e)]),
            ["checkpoints"] = new JsonArray([.. run.Checkpoints().Select(c => (JsonNode)c)]),
            ["loss_steps"] = LossSteps(run.Folder),
            ["evaluations"] = evaluations,
        };
    }

    /// <summary>The images' shape the run's recipe records (none: the tutorial's 28x28 gray).</summary>
    private static Models.ImageShape ShapeOf(JsonObject record) =>
        record["recipe"]?["image"] is JsonObject image && (int?)image["channels"] is { } channels && (int?)image["size"] is { } size
            ? new Models.ImageShape(channels, size)
            : Models.ImageShape.Tutorial;

    private static JsonObject? Scores(JsonObject row, string part) =>
        RunSummary.Scores(row, part) is { } s
            ? new JsonObject
            {
                ["score"] = s.ClassifierScore,
                ["fd"] = s.FrechetDistanceFeatures,
                ["classes"] = s.EffectiveClasses,
                ["precision"] = s.Precision,
                ["recall"] = s.Recall,
            }
            : null;

    private static JsonObject? Features(Evaluation.ImageNetReport? report, bool floor)
    {
        if (report is null)
        {
            return null;
        }
        var s = floor ? report.Floor : report.Generated;
        return new JsonObject
        {
            ["n"] = report.N,
            ["fd"] = s.FdResnet18,
            ["kid"] = s.KidMean,
            ["precision"] = s.Precision,
            ["recall"] = s.Recall,
            ["density"] = s.Density,
            ["coverage"] = s.Coverage,
        };
    }

    /// <summary>The steps losses.csv holds (its rows, less the header).</summary>
    private static int LossSteps(RunFolder run)
    {
        string path = run.LossesPath;
        return File.Exists(path) ? Math.Max(0, File.ReadLines(path).Count(l => l.Length > 0) - 1) : 0;
    }
}
