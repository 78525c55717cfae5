using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Dcgan.IO;

namespace Dcgan.Runs;

/// <summary>One line of 'dcgan runs': how far a run got and how good its latest evaluation was, read from run.json,
/// metrics.jsonl and the checkpoints. Files written before snake_case (PascalCase options and metrics) still read.</summary>
public sealed record RunSummary(string Name, int? EpochReached, long? Seed, string Recipe, string Precision,
    double? SecondsPerEpoch, string? LatestCheckpoint, Evaluation.SetMetrics? LatestMetrics)
{
    public static RunSummary Of(RunFolder run) => Of(run, run.ReadMetrics());

    /// <summary>The same, from the run's metrics.jsonl records already read (<see cref="RunFolder.ReadMetrics"/>), for
    /// a reader that goes on to go through them itself.</summary>
    public static RunSummary Of(RunFolder run, IReadOnlyList<JsonObject> metrics)
    {
        var record = ReadRecord(run);
        var epochs = record.Epochs ?? [];
        return new RunSummary(
            System.IO.Path.GetFileName(run.Path),
            epochs.Count > 0 ? epochs[^1].Epoch : null,
            record.Seed,
            record.RecipeName,
            record.Recipe?.Precision ?? record.Options?.Precision ?? "fp32",
            epochs.Count > 0 ? epochs.Average(e => e.Seconds) : null,
            run.LatestCheckpoint() is { } latest ? System.IO.Path.GetFileName(latest) : null,
            metrics.Count > 0 ? Scores(metrics[^1], "model") : null)
        {
            RecipeLabel = record.RecipeLabel,
            Epochs = epochs,
        };
    }

    /// <summary>The recipe's name and batch size: a batch size of its own changes a recipe's steps, so runs of one
    /// recipe at different batch sizes are not seeds of one experiment.</summary>
    public string RecipeLabel { get; init; } = Recipe;

    private IReadOnlyList<EpochPart> Epochs { get; init; } = [];

    /// <summary>The minutes the run spent up to the end of <paramref name="epoch"/>: its epochs' times summed,
    /// evaluations and checkpoints included.</summary>
    public double MinutesUpTo(int epoch) => Epochs.Where(e => e.Epoch <= epoch).Sum(e => e.Seconds) / 60;

    /// <summary>run.json as far as 'dcgan runs' reads it; an empty record where there is none.</summary>
    internal static RecordFile ReadRecord(RunFolder run) =>
        RunRecord.Read(run).Deserialize<RecordFile>(JsonFormat.SnakeCase) ?? new RecordFile(null, null, null, null);

    /// <summary>The evaluator's scores under <paramref name="part"/> ("model": the generated images, "floor": real
    /// held-out images) of a metrics.jsonl record, or null where no evaluator judged. A record of the ImageNet features
    /// holds the evaluator's report under "evaluator"; older ones hold only the evaluator's, snake_case or PascalCase.</summary>
    public static Evaluation.SetMetrics? Scores(JsonObject record, string part) => Classifier(record) is { } judged
        ? judged[part]?.Deserialize<Evaluation.SetMetrics>(JsonFormat.SnakeCase) ?? judged[char.ToUpperInvariant(part[0]) + part[1..]]?.Deserialize<Evaluation.SetMetrics>()
        : null;

    /// <summary>The evaluator's report in a metrics.jsonl record, or null.</summary>
    public static JsonObject? Classifier(JsonObject record) =>
        record["evaluator"] as JsonObject ?? (Evaluation.ImageNetReport.IsIn(record) ? null : record);

    internal sealed record RecordFile(long? Seed, RecipePart? Recipe, List<EpochPart>? Epochs, LegacyOptions? Options)
    {
        public string RecipeName => Recipe?.Name ?? "tutorial"; // run.json from before recipes: the tutorial's

        public string RecipeLabel => Recipe?.BatchSize is { } batch ? $"{RecipeName} (batch {batch})" : RecipeName;
    }

    internal sealed record RecipePart(string? Name, string? Precision, int? BatchSize);

    /// <summary>An epoch's seconds, evaluation and checkpoint included.</summary>
    internal sealed record EpochPart(int Epoch, double Seconds);

    /// <summary>run.json's options before recipes: PascalCase, with the precision there.</summary>
    internal sealed record LegacyOptions([property: JsonPropertyName("Precision")] string? Precision);
}
