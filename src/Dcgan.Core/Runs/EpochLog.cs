using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dcgan.Runs;

/// <summary>
/// A run's per-epoch records as JSON lines, each with an "epoch" field. After a resume, lines of epochs past the
/// checkpoint (written before the interruption, about to be redone) are dropped, so the log reads as if the run
/// had never stopped. As an observer of a run it keeps metrics.jsonl: the evaluations made during training.
/// </summary>
internal sealed class EpochLog(string path) : IRunObserver
{
    public string Path { get; } = path;

    void IRunObserver.RunStarted(RunStart start) => DropAfter(start.FromEpoch);

    void IRunObserver.EpochDone(EpochResult result)
    {
        if (result.Evaluation is { } evaluation)
        {
            Append(result.Epoch, evaluation.Record);
        }
    }

    public void Append(int epoch, JsonObject record)
    {
        record["epoch"] = epoch;
        File.AppendAllText(Path, record.ToJsonString() + "\n");
    }

    /// <summary>The records, oldest first.</summary>
    public IReadOnlyList<JsonObject> Read() =>
        File.Exists(Path)
            ? [.. File.ReadLines(Path).Where(l => l.Length > 0).Select(l => JsonNode.Parse(l)!.AsObject())]
            : [];

    public void DropAfter(int epoch)
    {
        if (!File.Exists(Path))
        {
            return;
        }
        var keep = File.ReadLines(Path).Where(l => l.Length > 0 && EpochOf(l) is { } e && e <= epoch).ToList();
        IO.AtomicFile.Write(Path, stream =>
        {
            using var writer = new StreamWriter(stream, leaveOpen: true);
            foreach (string line in keep)
            {
                writer.Write(line + "\n");
            }
        });
    }

    private static int? EpochOf(string line)
    {
        try
        {
            return JsonNode.Parse(line)?["epoch"]?.GetValue<int>();
        }
        catch (JsonException)
        {
            return null; // a line cut by a crash: dropped
        }
    }
}
