using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dcgan.Evaluation;
using Dcgan.Runs;

namespace Dcgan.Cli;

/// <summary>One evaluation made during training: the generated images' scores and the real held-out images' (the
/// floor), on ImageNet features and by the evaluator (either may be missing: older runs have no ImageNet scores, and
/// data without an evaluator has no classifier's), with the minutes the run had spent when it was made (epoch times
/// summed, evaluations included).</summary>
internal sealed record EvaluationPoint(int Epoch, double Minutes, SetMetrics? Model, SetMetrics? Floor, string? EvaluatorHash,
    ClassScores? Classes = null, ImageNetReport? ImageNet = null);

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
        var metrics = run.ReadMetrics();
        var summary = RunSummary.Of(run, metrics);
        var points = metrics.Where(r => r["epoch"] is not null).Select(r => Point(run, r, summary)).ToList();
        return new EvaluationHistory(summary.Name, summary.RecipeLabel, summary.Seed, points);
    }

    /// <summary>metrics.jsonl's names are snake_case.</summary>
    private static readonly JsonSerializerOptions SnakeCase = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private static EvaluationPoint Point(RunFolder run, JsonObject record, RunSummary summary)
    {
        int epoch = record["epoch"]!.GetValue<int>();
        var judged = RunSummary.Classifier(record);
        var point = new EvaluationPoint(
            epoch,
            summary.MinutesUpTo(epoch),
            RunSummary.Scores(record, "model"),
            RunSummary.Scores(record, "floor"),
            (judged?["evaluator_hash"] ?? judged?["EvaluatorHash"])?.GetValue<string>(),
            judged?["classes"]?.Deserialize<ClassScores>(SnakeCase),
            ImageNetReport.Read(record));
        return point.Model is null && point.ImageNet is null
            ? throw new InvalidDataException($"{run.MetricsPath} has an evaluation of epoch {epoch} without the generated images' scores.")
            : point;
    }

    /// <summary>The first evaluation whose classifier score reaches <paramref name="score"/>, or null.</summary>
    public EvaluationPoint? FirstReaching(double score) => Points.FirstOrDefault(p => p.Model?.ClassifierScore >= score);

    /// <summary>
    /// Markdown tables per recipe (and batch size: see RecipeLabel), a row per evaluated epoch and a column per run
    /// (seed). On ImageNet features: "FD-ResNet18 / KID x 1000 / precision / recall", headed by N and the real
    /// floor. By the evaluator, where one judged: "score / FD on features / effective classes / recall" (and, where
    /// measured, "/ CAS / the smallest own-class share"), then each run's minutes to the first score of at least
    /// <paramref name="scoreTarget"/>, headed by the evaluator's hash and its floor. Without the floor the numbers
    /// mean nothing.
    /// </summary>
    public static string Markdown(IEnumerable<EvaluationHistory> runs, double scoreTarget)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        foreach (var recipe in runs.Where(r => r.Points.Count > 0).GroupBy(r => r.RecipeLabel))
        {
            var columns = recipe.OrderBy(r => r.Seed).ThenBy(r => r.Name, StringComparer.Ordinal).ToList();
            var points = columns.SelectMany(r => r.Points).ToList();
            if (points.FirstOrDefault(p => p.ImageNet is not null) is { } onFeatures)
            {
                text.AppendLine(c, $"recipe {recipe.Key}, on ImageNet features (ResNet-18; not Inception's FID): FD-ResNet18 / KID x 1000 / precision / recall, N = {onFeatures.ImageNet!.N}");
                text.AppendLine(c, $"(real data: {(Cell(onFeatures.ImageNet!.Floor))})");
                text.AppendLine();
                Table(text, columns, p => p.ImageNet is { } m ? Cell(m.Generated) : null);
                text.AppendLine();
            }
            if (points.FirstOrDefault(p => p.Model is not null) is { } judged)
            {
                var classes = points.Select(p => p.Classes).FirstOrDefault(k => k is not null);
                text.AppendLine(c, $"recipe {recipe.Key}: classifier score / FD on features / effective classes / recall{(classes is null ? "" : " / CAS / smallest own-class share")}");
                text.AppendLine(c, $"(evaluator {judged.EvaluatorHash?[..12] ?? "unknown"}; real data: {(judged.Floor is { } f ? Cell(f) : "not recorded")}{(classes is null ? "" : $" / {classes.RealAccuracy:P1}")})");
                text.AppendLine();
                Table(text, columns, p => p.Model is { } m ? Cell(m) + Cell(p.Classes) : null);
                text.AppendLine(Row(string.Create(c, $"score >= {scoreTarget} after"), columns.Select(r =>
                    r.FirstReaching(scoreTarget) is { } p ? string.Create(c, $"{p.Minutes:F1} min (epoch {p.Epoch})")
                    : string.Create(c, $"not in {r.Points[^1].Epoch} epochs"))));
                text.AppendLine();
            }
        }
        return text.ToString();
    }

    /// <summary>A row per epoch any run evaluated, a cell per run: <paramref name="cell"/> of its point, or "-".</summary>
    private static void Table(StringBuilder text, List<EvaluationHistory> columns, Func<EvaluationPoint, string?> cell)
    {
        var c = CultureInfo.InvariantCulture;
        text.AppendLine(Row("epoch", columns.Select(r => r.Seed is { } s ? string.Create(c, $"seed {s}") : r.Name)));
        text.AppendLine("| ---: |" + string.Concat(columns.Select(_ => " ---: |")));
        foreach (int epoch in columns.SelectMany(r => r.Points).Select(p => p.Epoch).Distinct().Order())
        {
            text.AppendLine(Row(epoch.ToString(c), columns.Select(r => r.Points.FirstOrDefault(p => p.Epoch == epoch) is { } point ? cell(point) ?? "-" : "-")));
        }
    }

    private static string Cell(FeatureScores m) => string.Create(CultureInfo.InvariantCulture,
        $"{m.FdResnet18:F1} / {m.KidMean * 1000:F1} / {m.Precision:F2} / {m.Recall:F2}");

    private static string Row(string first, IEnumerable<string> cells) => $"| {first} | {string.Join(" | ", cells)} |";

    private static string Cell(ClassScores? m) =>
        m is null ? "" : string.Create(CultureInfo.InvariantCulture, $" / {m.Accuracy:P1} / {m.SmallestOwnClassShare:P1}");

    private static string Cell(SetMetrics m) => string.Create(CultureInfo.InvariantCulture,
        $"{m.ClassifierScore:F2} / {m.FrechetDistanceFeatures:F1} / {m.EffectiveClasses:F1} / {m.Recall:F2}");
}
