using System.Text.RegularExpressions;
using Dcgan.Runs;

namespace Dcgan.Web;

/// <summary>
/// One run folder the server shows. It reads only the files the tool writes there, by their own names (a grid by
/// its epoch, a checkpoint by a name of the checkpoints' form that the folder lists), and only where the real path,
/// links resolved, is inside the folder. It never writes.
/// </summary>
internal sealed partial class ServedRun(int id, RunFolder folder)
{
    public int Id { get; } = id;
    public RunFolder Folder { get; } = folder;
    public string Name => Path.GetFileName(Folder.Path);

    /// <summary>The epochs whose grids are there, in order.</summary>
    public IReadOnlyList<int> Epochs() =>
        [.. Folder.EpochImages().Select(f => int.Parse(EpochPattern().Match(Path.GetFileName(f)).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))];

    public string? Grid(int epoch) => Readable(Folder.ImageAtEpoch(epoch));

    public string? Gif() => Readable(Folder.GifPath);

    public IReadOnlyList<string> Checkpoints() => [.. Folder.Checkpoints().Where(c => Readable(c) is not null).Select(Path.GetFileName)!];

    /// <summary>The checkpoint of that name, or the latest for null; null when there is no such checkpoint.</summary>
    public string? Checkpoint(string? name) =>
        name is null ? Folder.LatestCheckpoint() is { } latest ? Readable(latest) : null
        : CheckpointName().IsMatch(name) && Folder.Checkpoints().FirstOrDefault(c => Path.GetFileName(c) == name) is { } found ? Readable(found)
        : null;

    /// <summary>The path if it is a file whose real path lies inside the run folder.</summary>
    private string? Readable(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }
        string real = RealPath(path), root = RealPath(Folder.Path) + Path.DirectorySeparatorChar;
        return real.StartsWith(root, StringComparison.Ordinal) ? path : null;
    }

    /// <summary>The path with every link in it resolved, one part at a time (.NET resolves a link at the end of a path
    /// only, and Mono.Unix's GetRealPath did not return on these paths).</summary>
    private static string RealPath(string path)
    {
        string full = Path.GetFullPath(path);
        string real = Path.GetPathRoot(full)!;
        foreach (string part in full[real.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            string next = Path.Combine(real, part);
            real = new FileInfo(next).LinkTarget is not null && File.ResolveLinkTarget(next, returnFinalTarget: true) is { } target
                ? Path.GetFullPath(target.FullName)
                : next;
        }
        return real;
    }

    [GeneratedRegex(@"^image_at_epoch_(\d{4,})\.png$")]
    private static partial Regex EpochPattern();

    [GeneratedRegex(@"^epoch-\d{4,}(-step-\d{4,})?\.ckpt$")]
    public static partial Regex CheckpointName();
}
