using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dcgan.IO;

/// <summary>The JSON this tool writes (run.json, metrics.jsonl, recipes in checkpoints, evaluations as JSON): snake_case,
/// as Keras's and TensorBoard's logs are.</summary>
internal static class JsonFormat
{
    public static readonly JsonSerializerOptions SnakeCase = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>The same, indented, for what a person reads (evaluations, recipes shown).</summary>
    public static readonly JsonSerializerOptions SnakeCaseIndented = new(SnakeCase) { WriteIndented = true };
}
