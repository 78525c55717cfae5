using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Dcgan.Data;

/// <summary>One image file of a folder, as it was listed: its path, its class, its size and when it last changed.</summary>
internal readonly record struct ListedFile(string Path, byte Label, long Size, long ChangedTicks)
{
    public static ListedFile Of(string path, byte label)
    {
        var info = new FileInfo(path);
        return new(path, label, info.Length, info.LastWriteTimeUtc.Ticks);
    }

    /// <summary>Whether the file on disk is still the one listed (same size, same time of change).</summary>
    public bool Unchanged() => File.Exists(Path) && Of(Path, Label) == this;
}

/// <summary>A folder of images as listed before reading: its classes (null: one unlabelled class) and its image files
/// in reading order. Its <see cref="Digest"/> changes when a file is added, removed, renamed, resized or touched: what a
/// prepared copy of the folder is keyed by, computed once (hashing a million files' lines takes a second).</summary>
internal sealed class FolderListing(string folder, IReadOnlyList<string>? classes, IReadOnlyList<ListedFile> files)
{
    private string? digest;

    public string Folder { get; } = folder;
    public IReadOnlyList<string>? Classes { get; } = classes;
    public IReadOnlyList<ListedFile> Files { get; } = files;

    /// <summary>Each file as a line: class, size, time of change, path under the folder.</summary>
    public IEnumerable<string> Lines() => Files.Select(f => string.Create(CultureInfo.InvariantCulture,
        $"{f.Label}\t{f.Size}\t{f.ChangedTicks}\t{System.IO.Path.GetRelativePath(Folder, f.Path)}"));

    /// <summary>SHA-256 of the classes and the files' lines.</summary>
    public string Digest() => digest ??= Hash();

    private string Hash()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(string.Join('\n', Classes ?? []) + "\n\n"));
        foreach (string line in Lines())
        {
            hash.AppendData(Encoding.UTF8.GetBytes(line + "\n"));
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>How this listing differs from an earlier one's lines, in words ("3 files added, 1 changed").</summary>
    public string DifferenceFrom(IReadOnlyCollection<string> earlierLines)
    {
        static string PathOf(string line) => line[(line.LastIndexOf('\t') + 1)..];
        var before = earlierLines.ToDictionary(PathOf, StringComparer.Ordinal);
        var now = Lines().ToDictionary(PathOf, StringComparer.Ordinal);
        int added = now.Keys.Count(p => !before.ContainsKey(p));
        int removed = before.Keys.Count(p => !now.ContainsKey(p));
        int changed = now.Count(p => before.TryGetValue(p.Key, out string? was) && was != p.Value);
        var parts = new[] { (added, "added"), (removed, "removed"), (changed, "changed") }.Where(p => p.Item1 > 0)
            .Select(p => $"{p.Item1} file{(p.Item1 == 1 ? "" : "s")} {p.Item2}").ToList();
        return parts.Count > 0 ? string.Join(", ", parts) : "its classes changed";
    }

    /// <summary>Throws when <paramref name="file"/> is no longer as listed: the folder is changing while it is read.</summary>
    public void RefuseChanged(ListedFile file)
    {
        if (!file.Unchanged())
        {
            throw new FolderChangedException(Folder, file.Path);
        }
    }
}

/// <summary>A folder whose files changed while it was being read: nothing read from it was kept.</summary>
internal sealed class FolderChangedException(string folder, string? file)
    : IOException($"{folder} changed while it was being read{(file is null ? "" : $" ({file} changed)")}; nothing was kept: run the same command again once the folder stays as it is.")
{
    public string Folder { get; } = folder;
}
