using System.Text.Json;
using System.Text.Json.Nodes;
using Dcgan.Diagnostics;
using Dcgan.IO;
using TorchSharp;

namespace Dcgan.Runs;

/// <summary>
/// run.json: what a run was and how it went, for the person who finds the folder later: every option, the seed, the
/// data (source, path, fingerprint, checksum status), the versions of this tool, TorchSharp and libtorch, the threads
/// and CPU, each session's start and end, and each epoch's seconds. Kept across resumes (sessions are appended).
/// As an observer of a run it writes the file; <see cref="Read"/> reads it back.
/// </summary>
internal sealed class RunRecord(RunFolder run, Data.DataOrigin? origin, int images) : IRunObserver
{
    void IRunObserver.RunStarted(RunStart start)
    {
        var data = new JsonObject { ["images"] = images, ["fingerprint"] = start.DataFingerprint };
        if (origin is not null)
        {
            (data["kind"], data["path"], data["checksum"]) = (JsonSerializer.SerializeToNode(origin.Kind), origin.Path, origin.DescribeChecksum());
            if (origin.Folder is { } folder)
            {
                data["folder"] = new JsonObject
                {
                    ["size"] = folder.Size,
                    ["channels"] = folder.Channels,
                    ["background"] = folder.Background?.ToString(),
                    ["fit"] = folder.Fit.ToString().ToLowerInvariant(),
                    ["invert"] = folder.Invert.ToString().ToLowerInvariant(),
                    ["skip_bad_files"] = folder.SkipBadFiles,
                };
            }
        }
        Begin(run, start, data);
    }

    /// <summary>The data a run was trained on, as its run.json records it: an image file, or a named folder or file
    /// (a folder of images read with the same options; a run.json from before they were recorded is read at
    /// <paramref name="shape"/>); null where it records none, or a dataset of this tool's, whose own request finds it
    /// again.</summary>
    public static Data.DataRequest? DataOf(RunFolder run, Models.ImageShape? shape)
    {
        if (Read(run)["data"] is not JsonObject data || data["path"]?.GetValue<string>() is not { } path)
        {
            return null;
        }
        return data["kind"]?.GetValue<string>() switch
        {
            "image-file" => new Data.DataRequest { Images = path, ImageSize = shape?.Size, Channels = shape?.Channels },
            "named-data" when data["folder"] is JsonObject folder => new Data.DataRequest
            {
                Data = path,
                ImageSize = (int?)folder["size"],
                Channels = (int?)folder["channels"],
                Folder = new Data.ImageFolderOptions
                {
                    Background = folder["background"]?.GetValue<string>() is { } colour ? Data.Background.Parse(colour) : null,
                    Fit = Enum.Parse<Data.ImageFit>((string?)folder["fit"] ?? "fit", ignoreCase: true),
                    Invert = Enum.Parse<Data.ImageInversion>((string?)folder["invert"] ?? "auto", ignoreCase: true),
                    SkipBadFiles = (bool?)folder["skip_bad_files"] ?? false,
                },
            },
            // An .npz's images are recorded as FILE:x_train.
            "named-data" => new Data.DataRequest { Data = path.Split(":x_")[0], ImageSize = shape?.Size, Channels = shape?.Channels },
            _ => null,
        };
    }

    void IRunObserver.EpochDone(EpochResult result) => Epoch(run, result);

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static JsonObject Read(RunFolder run)
    {
        string path = run.RecordPath;
        try
        {
            return File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path))?.AsObject() ?? [] : [];
        }
        catch (JsonException)
        {
            return []; // a damaged record is replaced, not fatal: the checkpoints are what matter
        }
    }

    /// <summary>Starts a session: records the options, data and machine, and opens a session entry.</summary>
    private static void Begin(RunFolder run, RunStart start, JsonObject data)
    {
        var record = Read(run);
        record["tool"] = ToolVersion.Current;
        record["torchsharp"] = typeof(torch).Assembly.GetName().Version?.ToString();
        record["libtorch"] = torch.__version__;
        record["seed"] = start.Seed;
        record["options"] = start.Options.DeepClone();
        record["recipe"] = start.Recipe.DeepClone();
        record["data"] = data;
        var machine = MachineInfo.Current();
        record["machine"] = new JsonObject
        {
            ["threads"] = machine.Threads,
            ["cpu"] = machine.Cpu,
            ["onednn_isa"] = machine.OneDnnIsa,
            ["os"] = machine.Os,
            ["dotnet"] = machine.DotNet,
        };
        var sessions = record["sessions"] as JsonArray ?? [];
        sessions.Add(new JsonObject { ["started"] = DateTimeOffset.UtcNow, ["from_epoch"] = start.FromEpoch });
        record["sessions"] = sessions;
        record["epochs"] ??= new JsonArray();
        Save(run, record);
    }

    /// <summary>Records a finished epoch (replacing a record of the same epoch from before an interruption).</summary>
    private static void Epoch(RunFolder run, EpochResult result)
    {
        var record = Read(run);
        var epochs = record["epochs"] as JsonArray ?? [];
        foreach (var stale in epochs.Where(e => (int?)e?["epoch"] >= result.Epoch).ToList())
        {
            epochs.Remove(stale);
        }
        epochs.Add(new JsonObject
        {
            ["epoch"] = result.Epoch,
            ["seconds"] = Math.Round(result.Seconds, 2),
            ["generator_loss"] = result.Mean.Generator,
            ["discriminator_loss"] = result.Mean.Discriminator,
            // Resident memory now and at most so far: flat from epoch to epoch when nothing leaks.
            ["resident_mib"] = ProcessMemory.Mebibytes(ProcessMemory.Resident()),
            ["peak_resident_mib"] = ProcessMemory.Mebibytes(ProcessMemory.PeakResident()),
        });
        record["epochs"] = epochs;
        if (record["sessions"] is JsonArray { Count: > 0 } sessions)
        {
            sessions[^1]!["ended"] = DateTimeOffset.UtcNow;
            sessions[^1]!["to_epoch"] = result.Epoch;
        }
        Save(run, record);
    }

    private static void Save(RunFolder run, JsonObject record) =>
        AtomicFile.Write(run.RecordPath, stream => JsonSerializer.Serialize(stream, record, Indented));
}
