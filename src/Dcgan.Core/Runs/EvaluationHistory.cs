using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dcgan.Runs;

/// <summary>One evaluation made during training: the generated images' scores and the real held-out images' (the
/// floor), with the minutes the run had spent when it was made (epoch times summed, evaluations included).</summary>
internal sealed record EvaluationPoint(int Epoch, double Minutes, ModelScores Model, ModelScores? Floor, string? EvaluatorHash,
    ClassScores? Classes = null);

/// <summary>The classification accuracy score of an evaluation (a recipe that draws the class asked for), the real
/// images' beside it, and the smallest share of a class's draws read as that class.</summary>
internal sealed record ClassScores(double Accuracy, double RealAccuracy, double SmallestOwnClassShare);

/// <summary>
/// A run's evaluations in epoch order, read from metrics.jsonl and run.json: what the list of runs with their evaluations
/// tabulates to compare recipes over seeds, since one seed of a GAN proves little. RecipeLabel: the recipe's name
/// and batch size.
/// </summary>
internal sealed record EvaluationHistory(string Name, string RecipeLabel, long? Seed, IReadOnlyList<EvaluationPoint> Points)
{
    public static EvaluationHistory Of(RunFolder run)
    {
        var record = RunSummary.ReadRecord(run);
        var epochs = record.Epochs ?? [];
        var points = run.Metrics.Read().Where(r => r["epoch"] is not null).Select(r => Point(run, r, epochs)).ToList();
        return new EvaluationHistory(System.IO.Path.GetFileName(run.Path), record.RecipeLabel, record.Seed, points);
    }

    private static EvaluationPoint Point(RunFolder run, JsonObject record, List<RunSummary.EpochPart> epochs)
    {
        int epoch = record["epoch"]!.GetValue<int>();
        return new EvaluationPoint(
            epoch,
            epochs.Where(e => e.Epoch <= epoch).Sum(e => e.Seconds) / 60,
            RunSummary.Scores(record, "model") ?? throw new InvalidDataException($"{run.Metrics.Path} has an evaluation without the model's scores."),
            RunSummary.Scores(record, "floor"),
            (record["evaluator_hash"] ?? record["EvaluatorHash"])?.GetValue<string>(),
            record["classes"]?.Deserialize<ClassScores>(IO.JsonFormat.SnakeCase));
    }

    /// <summary>The first evaluation whose classifier score reaches <paramref name="score"/>, or null.</summary>
    public EvaluationPoint? FirstReaching(double score) => Points.FirstOrDefault(p => p.Model.ClassifierScore >= score);

    /// <summary>
    /// A Markdown table per recipe (and batch size: see RecipeLabel): a row per evaluated epoch, a column per run
    /// (seed), each cell "score / FD on features / effective classes / recall" (and, where measured, "/ CAS / the
    /// smallest own-class share"), then each run's minutes to the first
    /// score of at least <paramref name="scoreTarget"/>. The heading names the evaluator and the real-data floor,
    /// without which the numbers mean nothing.
    /// </summary>
    public static string Markdown(IEnumerable<EvaluationHistory> runs, double scoreTarget)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        foreach (var recipe in runs.Where(r => r.Points.Count > 0).GroupBy(r => r.RecipeLabel))
        {
            var columns = recipe.OrderBy(r => r.Seed).ThenBy(r => r.Name, StringComparer.Ordinal).ToList();
            var first = columns.SelectMany(r => r.Points).First();
            var classes = columns.SelectMany(r => r.Points).Select(p => p.Classes).FirstOrDefault(k => k is not null);
            text.AppendLine(c, $"recipe {recipe.Key}: classifier score / FD on features / effective classes / recall{(classes is null ? "" : " / CAS / smallest own-class share")}");
            text.AppendLine(c, $"(evaluator {first.EvaluatorHash?[..12] ?? "unknown"}; real data: {(first.Floor is { } f ? Cell(f) : "not recorded")}{(classes is null ? "" : $" / {classes.RealAccuracy:P1}")})");
            text.AppendLine();
            text.AppendLine(Row("epoch", columns.Select(r => r.Seed is { } s ? string.Create(c, $"seed {s}") : r.Name)));
            text.AppendLine("| ---: |" + string.Concat(columns.Select(_ => " ---: |")));
            foreach (int epoch in columns.SelectMany(r => r.Points).Select(p => p.Epoch).Distinct().Order())
            {
                text.AppendLine(Row(epoch.ToString(c), columns.Select(r =>
                    r.Points.FirstOrDefault(p => p.Epoch == epoch) is { } point ? Cell(point.Model) + Cell(point.Classes) : "-")));
            }
            text.AppendLine(Row(string.Create(c, $"score >= {scoreTarget} after"), columns.Select(r =>
                r.FirstReaching(scoreTarget) is { } p ? string.Create(c, $"{p.Minutes:F1} min (epoch {p.Epoch})")
                : string.Create(c, $"not in {r.Points[^1].Epoch} epochs"))));
            text.AppendLine();
        }
        return text.ToString();
    }

    private static string Row(string first, IEnumerable<string> cells) => $"| {first} | {string.Join(" | ", cells)} |";

    private static string Cell(ClassScores? m) =>
        m is null ? "" : string.Create(CultureInfo.InvariantCulture, $" / {m.Accuracy:P1} / {m.SmallestOwnClassShare:P1}");

    private static string Cell(ModelScores m) => string.Create(CultureInfo.InvariantCulture,
        $"{m.ClassifierScore:F2} / {m.FrechetDistanceFeatures:F1} / {m.EffectiveClasses:F1} / {m.Recall:F2}");
}
