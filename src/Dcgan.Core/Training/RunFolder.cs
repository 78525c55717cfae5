using System.Globalization;
using System.Text.RegularExpressions;

namespace Dcgan.Training;

/// <summary>Where a run keeps what it writes: the per-epoch grids and the GIF at the top, as the tutorial does,
/// and the checkpoints in their own folder.</summary>
public sealed partial class RunFolder(string path)
{
    public string Path { get; } = System.IO.Path.GetFullPath(path);
    public string CheckpointFolder => System.IO.Path.Combine(Path, "checkpoints");
    public string GifPath => System.IO.Path.Combine(Path, "dcgan.gif");

    public string ImageAtEpoch(int epoch) =>
        System.IO.Path.Combine(Path, string.Create(CultureInfo.InvariantCulture, $"image_at_epoch_{epoch:D4}.png"));

    public string CheckpointAtEpoch(int epoch) =>
        System.IO.Path.Combine(CheckpointFolder, string.Create(CultureInfo.InvariantCulture, $"epoch-{epoch:D4}.ckpt"));

    /// <summary>Creates the folder and proves it can be written, before any long work starts.</summary>
    public void EnsureWritable()
    {
        string probe = System.IO.Path.Combine(Path, $".write-test-{Environment.ProcessId}");
        try
        {
            Directory.CreateDirectory(Path);
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot write to {Path} ({e.Message.TrimEnd('.')}); choose a folder you can write to.", e);
        }
    }

    /// <summary>The per-epoch grids present, in epoch order.</summary>
    public IReadOnlyList<string> EpochImages() => Numbered(Path, ImagePattern());

    /// <summary>The checkpoints present, newest (highest epoch) last.</summary>
    public IReadOnlyList<string> Checkpoints() => Numbered(CheckpointFolder, CheckpointPattern());

    /// <summary>The checkpoint to restore, as tf.train.latest_checkpoint: the one of the highest epoch, or null.</summary>
    public string? LatestCheckpoint() => Checkpoints() is { Count: > 0 } all ? all[^1] : null;

    private static List<string> Numbered(string folder, Regex pattern) =>
        !Directory.Exists(folder)
            ? []
            : Directory.EnumerateFiles(folder)
                .Select(f => (File: f, Match: pattern.Match(System.IO.Path.GetFileName(f))))
                .Where(x => x.Match.Success)
                .OrderBy(x => int.Parse(x.Match.Groups[1].Value, CultureInfo.InvariantCulture))
                .Select(x => x.File)
                .ToList();

    [GeneratedRegex(@"^image_at_epoch_(\d{4,})\.png$")]
    private static partial Regex ImagePattern();

    [GeneratedRegex(@"^epoch-(\d{4,})\.ckpt$")]
    private static partial Regex CheckpointPattern();
}
