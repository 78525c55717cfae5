using System.Globalization;
using System.Text.RegularExpressions;
using Dcgan.IO;

namespace Dcgan.Runs;

/// <summary>Where a run keeps what it writes: the per-epoch grids and the GIF at the top, as the tutorial does,
/// and the checkpoints in their own folder.</summary>
public sealed partial class RunFolder(string path)
{
    public string Path { get; } = System.IO.Path.GetFullPath(path);
    public string CheckpointFolder => System.IO.Path.Combine(Path, "checkpoints");
    public string GifPath => System.IO.Path.Combine(Path, "dcgan.gif");

    /// <summary>Real images beside themselves as the discriminator sees them, for a recipe with augmentation: written
    /// when the run starts, so that what the policy does is seen before hours are spent.</summary>
    public string AugmentedRealsPath => System.IO.Path.Combine(Path, "augmented-reals.png");

    /// <summary>The run a checkpoint file was saved by (it sits in the run's checkpoints/ beside run.json), or null
    /// for a checkpoint moved elsewhere.</summary>
    public static RunFolder? Of(string checkpoint)
    {
        string? folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(checkpoint));
        return folder is not null && System.IO.Path.GetFileName(folder) == "checkpoints" && System.IO.Path.GetDirectoryName(folder) is { } run
            && File.Exists(new RunFolder(run).RecordPath)
            ? new RunFolder(run)
            : null;
    }

    /// <summary>losses.csv: every step's losses.</summary>
    internal LossLog Losses => new(LossesPath);

    /// <summary>losses.png, drawn from losses.csv after every epoch.</summary>
    public string LossPlotPath => System.IO.Path.Combine(Path, "losses.png");

    /// <summary>metrics.jsonl: the evaluations made during training.</summary>
    internal EpochLog Metrics => new(MetricsPath);

    /// <summary>losses.csv: a row per step (epoch, step, generator loss, discriminator loss, D(x), D(G(z)), seconds, and
    /// augment_p in a run with augmentation).</summary>
    public string LossesPath => System.IO.Path.Combine(Path, "losses.csv");

    /// <summary>metrics.jsonl: a JSON object per evaluation made during training.</summary>
    public string MetricsPath => System.IO.Path.Combine(Path, "metrics.jsonl");

    /// <summary>losses.csv's rows as numbers, in its columns' order; none when there is no file yet.</summary>
    public IReadOnlyList<double[]> ReadLosses() => Losses.Read();

    /// <summary>metrics.jsonl's records, in order; none when there is no file yet.</summary>
    public IReadOnlyList<System.Text.Json.Nodes.JsonObject> ReadMetrics() => Metrics.Read();

    /// <summary>run.json: how the run was started and resumed, on what data, and each epoch's time.</summary>
    public string RecordPath => System.IO.Path.Combine(Path, "run.json");

    /// <summary>run.json's content; an empty object when there is none.</summary>
    public System.Text.Json.Nodes.JsonObject ReadRecord() => RunRecord.Read(this);

    /// <summary>The images the run trained on, as run.json records them: a file, or a folder read with the same
    /// options (a run.json from before they were recorded is read at <paramref name="shape"/>); null where it records
    /// none, or a dataset of this tool's, whose own request finds it again.</summary>
    public Data.DataRequest? TrainingData(Models.ImageShape? shape) => RunRecord.DataOf(this, shape);

    /// <summary>Whether the folder holds a run: its run.json, or a checkpoint.</summary>
    public bool HoldsRun => File.Exists(RecordPath) || Checkpoints().Count > 0;

    /// <summary>The folders directly in <paramref name="folder"/> that hold a run, in ordinal order of their paths.</summary>
    public static IReadOnlyList<RunFolder> In(string folder) =>
        [.. Directory.EnumerateDirectories(folder).Order(StringComparer.Ordinal).Select(d => new RunFolder(d)).Where(r => r.HoldsRun)];

    public string ImageAtEpoch(int epoch) =>
        System.IO.Path.Combine(Path, string.Create(CultureInfo.InvariantCulture, $"image_at_epoch_{epoch:D4}.png"));

    /// <summary>The checkpoint after <paramref name="epoch"/> whole epochs and <paramref name="step"/> steps of the next.</summary>
    public string CheckpointAt(int epoch, int step = 0) =>
        System.IO.Path.Combine(CheckpointFolder, step == 0
            ? string.Create(CultureInfo.InvariantCulture, $"epoch-{epoch:D4}.ckpt")
            : string.Create(CultureInfo.InvariantCulture, $"epoch-{epoch:D4}-step-{step:D4}.ckpt"));

    /// <summary>Refuses, before any work, a folder that could not be made or written (see <see cref="OutputPath"/>).
    /// Creates nothing.</summary>
    public void CheckWritable() => OutputPath.CheckFolder(Path, "the run folder");

    /// <summary>Makes the folder (after <see cref="CheckWritable"/>, when training starts).</summary>
    public void Create() => Directory.CreateDirectory(Path);

    /// <summary>Claims the folder for one training process: a second one would overwrite the first's files. The claim
    /// is an exclusive lock on .lock (an flock on Unix), which the OS releases when the process ends, even if killed.</summary>
    public IDisposable Claim()
    {
        try
        {
            return new FileStream(System.IO.Path.Combine(Path, ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new RunBusyException(Path, e);
        }
    }

    /// <summary>Renames a damaged checkpoint out of the checkpoints' names (NAME.damaged, or NAME.damaged-2 and on if
    /// that is taken), so that nothing reads it and nothing writes over it. Returns the new path.</summary>
    public static string SetAside(string checkpoint)
    {
        string aside = checkpoint + ".damaged";
        for (int n = 2; File.Exists(aside); n++)
        {
            aside = string.Create(CultureInfo.InvariantCulture, $"{checkpoint}.damaged-{n}");
        }
        File.Move(checkpoint, aside);
        return aside;
    }

    /// <summary>The per-epoch grids present, in epoch order.</summary>
    public IReadOnlyList<string> EpochImages() => Numbered(Path, ImagePattern());

    /// <summary>The checkpoints present, oldest first, newest (most training) last.</summary>
    public IReadOnlyList<string> Checkpoints() => Numbered(CheckpointFolder, CheckpointPattern());

    /// <summary>The checkpoint to restore, as tf.train.latest_checkpoint: the one with the most training, or null.</summary>
    public string? LatestCheckpoint() => Checkpoints() is { Count: > 0 } all ? all[^1] : null;

    /// <summary>After a checkpoint at a whole epoch: removes the Ctrl+C checkpoints it supersedes, then the oldest
    /// checkpoints beyond <paramref name="keep"/> (null keeps every one, as the tutorial does).</summary>
    public void PruneCheckpoints(int? keep)
    {
        var all = Checkpoints();
        string newest = all[^1];
        var superseded = all.Where(c => c != newest && IsMidEpoch(c));
        var beyond = keep is { } k ? all.Where(c => !IsMidEpoch(c)).SkipLast(k) : [];
        foreach (string old in superseded.Concat(beyond).Distinct())
        {
            File.Delete(old);
        }
    }

    private static bool IsMidEpoch(string checkpoint) =>
        CheckpointPattern().Match(System.IO.Path.GetFileName(checkpoint)).Groups[2].Success;

    private static List<string> Numbered(string folder, Regex pattern) =>
        !Directory.Exists(folder)
            ? []
            : Directory.EnumerateFiles(folder)
                .Select(f => (File: f, Match: pattern.Match(System.IO.Path.GetFileName(f))))
                .Where(x => x.Match.Success)
                .OrderBy(x => int.Parse(x.Match.Groups[1].Value, CultureInfo.InvariantCulture))
                .ThenBy(x => x.Match.Groups[2].Success ? int.Parse(x.Match.Groups[2].Value, CultureInfo.InvariantCulture) : 0)
                .Select(x => x.File)
                .ToList();

    [GeneratedRegex(@"^image_at_epoch_(\d{4,})\.png$")]
    private static partial Regex ImagePattern();

    [GeneratedRegex(@"^epoch-(\d{4,})(?:-step-(\d{4,}))?\.ckpt$")]
    private static partial Regex CheckpointPattern();
}
