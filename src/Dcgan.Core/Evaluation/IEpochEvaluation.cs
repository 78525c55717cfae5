using System.Text.Json.Nodes;
using Dcgan.Training;

namespace Dcgan.Evaluation;

/// <summary>What the evaluation of an epoch found: one line to show, and the record for metrics.jsonl.</summary>
public sealed record EpochEvaluation(string Summary, JsonObject Record);

/// <summary>Measures the generator after an epoch, for metrics.jsonl. It must not draw from torch's global random
/// numbers, or resumed runs would diverge.</summary>
public interface IEpochEvaluation
{
    EpochEvaluation Evaluate(Gan gan, int epoch);
}
