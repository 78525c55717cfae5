using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Dcgan.Evaluation;

/// <summary>An evaluation: what was judged, by which evaluator, and its metrics beside real data's (the floor:
/// training images against the same held-out test images, what a perfect generator would reach).</summary>
public sealed record EvaluationReport(string Subject, string EvaluatorHash, double EvaluatorAccuracy, SetMetrics Model, SetMetrics Floor,
    ClassAccuracyMetrics? Classes = null)
{
    public string ToJson() => JsonSerializer.Serialize(this, IO.JsonFormat.SnakeCaseIndented);

    /// <summary>A table a person reads: each metric, the model's value, real data's, and which way is better.</summary>
    public string ToTable()
    {
        var c = CultureInfo.InvariantCulture;
        int k = Floor.ClassShares.Length; // the evaluator's classes
        var rows = new (string Name, Func<SetMetrics, string> Value, string Better)[]
        {
            ("classifier score (all N)", m => m.ClassifierScore.ToString("F3", c), $"higher, {k} max"),
            ("classifier score (10 splits)", m => $"{m.ClassifierScoreSplitMean.ToString("F3", c)} ± {m.ClassifierScoreSplitStd.ToString("F3", c)}", "higher"),
            ("Frechet distance, features", m => m.FrechetDistanceFeatures.ToString("F3", c), "lower, 0 best"),
            ("Frechet distance, logits", m => m.FrechetDistanceLogits.ToString("F3", c), "lower, 0 best"),
            ("precision (k=3)", m => m.Precision.ToString("F3", c), "higher, 1 max"),
            ("recall (k=3)", m => m.Recall.ToString("F3", c), "higher, 1 max"),
            ("effective classes", m => m.EffectiveClasses.ToString("F2", c), $"{k} = balanced"),
            ("smallest / largest class", m => $"{m.SmallestClassShare.ToString("P1", c)} / {m.LargestClassShare.ToString("P1", c)}", string.Create(c, $"{100.0 / k:0.#} % each")),
            ("mean top-class confidence", m => m.MeanTopConfidence.ToString("P1", c), "higher"),
            ("class histogram", m => string.Join(" ", m.ClassShares.Select(s => (100 * s).ToString("F0", c))), k == 10 ? "% per digit 0-9" : $"% per class 0-{k - 1}"),
        };
        int nameWidth = rows.Max(r => r.Name.Length);
        int valueWidth = Math.Max(rows.Max(r => Math.Max(r.Value(Model).Length, r.Value(Floor).Length)), 10);
        var text = new StringBuilder();
        text.AppendLine(c, $"{Subject}: {Model.Count} generated vs {Floor.Count} real test images");
        text.AppendLine(c, $"evaluator {EvaluatorHash[..12]} (test accuracy {EvaluatorAccuracy.ToString("P2", c)})");
        text.AppendLine(c, $"{"".PadRight(nameWidth)}  {"model".PadLeft(valueWidth)}  {"real data".PadLeft(valueWidth)}  better");
        foreach (var (name, value, better) in rows)
        {
            text.AppendLine(c, $"{name.PadRight(nameWidth)}  {value(Model).PadLeft(valueWidth)}  {value(Floor).PadLeft(valueWidth)}  {better}");
        }
        if (Classes is { } classes)
        {
            AppendClasses(text, classes, nameWidth, valueWidth);
        }
        return text.ToString().TrimEnd();
    }

    /// <summary>The classification accuracy score, then each class's own-class share and intra-class FD.</summary>
    private static void AppendClasses(StringBuilder text, ClassAccuracyMetrics m, int nameWidth, int valueWidth)
    {
        var c = CultureInfo.InvariantCulture;
        int perClass = m.Images / m.OwnClassShares.Length;
        text.AppendLine(c, $"{"classification accuracy (CAS)".PadRight(nameWidth)}  {m.Accuracy.ToString("P2", c).PadLeft(valueWidth)}  {m.RealAccuracy.ToString("P2", c).PadLeft(valueWidth)}  higher: trained on {m.Images} draws ({perClass} a class) or {m.RealImages} real images");
        text.AppendLine();
        text.AppendLine(c, $"{"class",5}  {"read as its class",17}  {"real",7}  {"intra-class FD",14}  {"real",7}");
        for (int k = 0; k < m.OwnClassShares.Length; k++)
        {
            text.AppendLine(c, $"{k,5}  {m.OwnClassShares[k].ToString("P1", c),17}  {m.RealOwnClassShares[k].ToString("P1", c),7}  {m.IntraClassFd[k].ToString("F2", c),14}  {m.RealIntraClassFd[k].ToString("F2", c),7}");
        }
    }

}
