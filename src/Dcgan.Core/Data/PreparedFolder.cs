using System.Globalization;
using System.IO.Hashing;
using System.Security.Cryptography;
using System.Text;
using Dcgan.IO;

namespace Dcgan.Data;

/// <summary>A prepared copy of a folder, as <see cref="PreparedFolder.List"/> finds it: its file and size, and what it
/// holds (null where the file is damaged, with <see cref="Damage"/> saying how).</summary>
public sealed record PreparedCopy(string Path, long Bytes, DateTime LastWriteUtc, string? Folder, string? Options, int? Images,
    string? Shape, string? Damage);

/// <summary>
/// A folder of images decoded once, on every core, into one file of bytes in the tool's cache, and read from there a
/// batch at a time: the first run on a folder prepares it, later runs map the file and start at once.
/// <list type="bullet">
/// <item>Key: the folder's listing (each image file's path, class, size and time of change) and the options that change
/// the pixels (size, channels, background, fit, inversion, bad files). One file per folder and options: a changed
/// folder is said and prepared again, replacing its stale copy; other options make another copy.</item>
/// <item>Written beside its place and renamed into it when whole, under a lock (two processes never both prepare one
/// folder: the second waits and reads the first's); a killed preparation leaves only a temporary file, never read and
/// removed by the next one.</item>
/// <item>Sealed (<see cref="PreparedFile"/>): a cut or damaged copy is said and prepared again; a changed byte in the
/// pixels is caught when its chunk is first read.</item>
/// <item>No copy is evicted on its own: before decoding, the space needed is checked, and the refusal says how much is
/// needed and what the copies there take; <see cref="List"/> and <see cref="Remove"/> manage them.</item>
/// </list>
/// </summary>
public static class PreparedFolder
{
    private const string Extension = ".images";

    /// <summary>Where the prepared copies live in a cache folder.</summary>
    public static string Location(string cacheFolder) => System.IO.Path.Combine(cacheFolder, "prepared");

    /// <summary>The folder's images from its prepared copy in <paramref name="cacheFolder"/>, preparing it first when
    /// there is none, or when it is stale or damaged. <paramref name="log"/> hears where the images come from and the
    /// folder's notes; <paramref name="progress"/> hears the decoding: images done, of how many. The caller disposes the set.</summary>
    public static ImageSet Open(string folder, ImageFolderOptions options, string cacheFolder, Action<string>? log = null,
        IProgress<(int Done, int Total)>? progress = null, CancellationToken cancel = default)
    {
        if (options.Problem() is { } problem)
        {
            throw new ArgumentException(problem);
        }
        var listing = ImageFolder.List(folder, log);
        string path = PathOf(listing.Folder, options, cacheFolder);
        if (Usable(path, listing, options, log) is { } ready)
        {
            return Say(ready, path, log);
        }
        string location = OutputPath.CheckFolder(Location(cacheFolder), "the cache");
        var made = FoldersMissingUpTo(location);
        Directory.CreateDirectory(location);
        try
        {
            using var held = Lock(path, listing.Folder, log, cancel);
            try
            {
                // Another process may have prepared it while this one waited.
                return Usable(path, listing, options, log: null) is { } theirs ? Say(theirs, path, log) : Prepare(listing, options, path, log, progress, cancel);
            }
            catch
            {
                File.Delete(path + ".lock"); // while still held: a process waiting for it makes a new one
                throw;
            }
        }
        catch
        {
            RemoveEmpty(made); // a folder that cannot be prepared (a bad image, a full disk, Ctrl+C) leaves no empty cache
            throw;
        }
    }

    /// <summary>Deletes <paramref name="folders"/>, deepest first, up to the first that is not empty.</summary>
    private static void RemoveEmpty(List<string> folders)
    {
        try
        {
            folders.ForEach(Directory.Delete);
        }
        catch (IOException)
        {
            // not empty: another copy lives there, and so above it
        }
    }

    /// <summary>The folders that creating <paramref name="location"/> would make, deepest first.</summary>
    private static List<string> FoldersMissingUpTo(string location)
    {
        var missing = new List<string>();
        for (string? folder = System.IO.Path.GetFullPath(location); folder is not null && !Directory.Exists(folder); folder = System.IO.Path.GetDirectoryName(folder))
        {
            missing.Add(folder);
        }
        return missing;
    }

    /// <summary>The prepared copies in <paramref name="cacheFolder"/>, damaged ones included.</summary>
    public static IReadOnlyList<PreparedCopy> List(string cacheFolder)
    {
        string location = Location(cacheFolder);
        if (!Directory.Exists(location))
        {
            return [];
        }
        return [.. Directory.EnumerateFiles(location, "*" + Extension).Order(StringComparer.Ordinal).Select(Describe)];
    }

    private static PreparedCopy Describe(string path)
    {
        var file = new FileInfo(path);
        try
        {
            var header = PreparedFile.ReadHeader(path);
            return new(path, file.Length, file.LastWriteTimeUtc, header.Folder, header.Options, header.Count, header.Shape.Describe(), null);
        }
        catch (PreparedFileDamagedException e)
        {
            return new(path, file.Length, file.LastWriteTimeUtc, null, null, null, null, e.How);
        }
    }

    /// <summary>Deletes a prepared copy (a run that reads it keeps reading it until it ends, on Unix).</summary>
    public static void Remove(PreparedCopy copy) => File.Delete(copy.Path);

    /// <summary>The copy's file: the folder's name, then a hash of its full path and the pixel options.</summary>
    internal static string PathOf(string folder, ImageFolderOptions options, string cacheFolder)
    {
        string key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(folder + "\n" + KeyOf(options))))[..12];
        string name = new([.. System.IO.Path.GetFileName(folder.TrimEnd(System.IO.Path.DirectorySeparatorChar)).Take(40)
            .Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')]);
        return System.IO.Path.Combine(Location(cacheFolder), $"{(name.Length == 0 ? "folder" : name)}-{key}{Extension}");
    }

    /// <summary>The options that change the pixels, in words (the number of threads does not).</summary>
    internal static string KeyOf(ImageFolderOptions o) => FormattableString.Invariant(
        $"size {o.Size?.ToString(CultureInfo.InvariantCulture) ?? "auto"}, channels {o.Channels?.ToString(CultureInfo.InvariantCulture) ?? "auto"}, background {o.Background?.ToString() ?? "default"}, fit {o.Fit}, invert {o.Invert}, bad files {(o.SkipBadFiles ? "skipped" : "refused")}")
        .ToLowerInvariant();

    /// <summary>The images of the copy at <paramref name="path"/>, and its header, when it is whole and of this listing
    /// and these options; else null, with a stale or damaged copy said and removed.</summary>
    private static (ImageSet Images, PreparedHeader Header)? Usable(string path, FolderListing listing, ImageFolderOptions options, Action<string>? log)
    {
        if (!File.Exists(path))
        {
            return null;
        }
        try
        {
            var header = PreparedFile.ReadHeader(path);
            if (header.Listing == listing.Digest() && header.Options == KeyOf(options))
            {
                return (OpenImages(path, header), header);
            }
            log?.Invoke($"note: {listing.Folder} changed since it was prepared ({listing.DifferenceFrom(PreparedFile.ReadListing(path, header))}); preparing it again.");
        }
        catch (PreparedFileDamagedException e)
        {
            log?.Invoke($"note: {e.Message[..^1]}; preparing {listing.Folder} again.");
        }
        File.Delete(path);
        return null;
    }

    private static ImageSet OpenImages(string path, PreparedHeader header)
    {
        byte[]? labels = header.LabelsLength == 0 ? null
            : PreparedFile.ReadSection(path, header.LabelsOffset, header.LabelsLength, header.LabelsSeal, "labels");
        return ImageSet.Of(new PreparedImages(path, header), header.Count, header.Shape, labels, header.Classes);
    }

    /// <summary>The copy's images, with its notes and where they come from said.</summary>
    private static ImageSet Say((ImageSet Images, PreparedHeader Header) copy, string path, Action<string>? log)
    {
        var (images, header) = copy;
        foreach (string note in header.Notes)
        {
            log?.Invoke(note);
        }
        log?.Invoke(string.Create(CultureInfo.InvariantCulture,
            $"Reading {header.Count} images of {header.Shape.Describe()} from the prepared copy {path} (prepared {header.PreparedUtc:yyyy-MM-dd HH:mm} UTC)."));
        return images;
    }

    /// <summary>An exclusive lock on the copy's lock file (an flock on Unix, released by the OS if the process dies),
    /// waited for while another process holds it.</summary>
    private static FileStream Lock(string path, string folder, Action<string>? log, CancellationToken cancel)
    {
        bool said = false;
        while (true)
        {
            try
            {
                return new FileStream(path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (File.Exists(path + ".lock"))
            {
                if (!said)
                {
                    log?.Invoke($"Waiting for another dcgan process that is preparing {folder}...");
                    said = true;
                }
                cancel.WaitHandle.WaitOne(250);
                cancel.ThrowIfCancellationRequested();
            }
        }
    }

    /// <summary>Decodes the folder into a temporary file beside <paramref name="path"/>, seals it and renames it into
    /// place; on any failure (a bad file, a full disk, Ctrl+C, the folder changing) the temporary file is deleted and
    /// nothing is left that could be read.</summary>
    private static ImageSet Prepare(FolderListing listing, ImageFolderOptions options, string path, Action<string>? log,
        IProgress<(int Done, int Total)>? progress, CancellationToken cancel)
    {
        string folder = System.IO.Path.GetDirectoryName(path)!;
        foreach (string leftover in Directory.EnumerateFiles(folder, $".{System.IO.Path.GetFileName(path)}.*.tmp"))
        {
            File.Delete(leftover); // a killed preparation's; this process holds the lock
        }
        var shape = ImageFolder.ChooseShape(listing, options, log);
        // Per file: its pixels, its label, and its line of the listing (about 100 bytes); the seals and header are small.
        CheckSpace(folder, (long)listing.Files.Count * (shape.Values + 1 + 100));
        log?.Invoke($"Preparing {listing.Folder}: decoding {listing.Files.Count} images at {shape.Describe()} on {options.Threads ?? Environment.ProcessorCount} threads, once, into {path}");
        string temp = System.IO.Path.Combine(folder, $".{System.IO.Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        PreparedHeader header;
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 20))
            {
                header = Write(file, listing, options, shape, progress, cancel);
                file.Flush(flushToDisk: true);
                header.Notes.ToList().ForEach(note => log?.Invoke(note));
            }
            if (ImageFolder.List(listing.Folder, log: null).Digest() != listing.Digest())
            {
                throw new FolderChangedException(listing.Folder, null);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch (IOException e) when (AtomicFile.IsDiskFull(e))
        {
            File.Delete(temp);
            throw AtomicFile.DiskFull(path, e);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
        return OpenImages(path, header);
    }

    /// <summary>Refuses, before decoding, a preparation the disk has no room for.</summary>
    private static void CheckSpace(string folder, long needed)
    {
        long free = FreeBytesOf(folder);
        if (free >= needed)
        {
            return;
        }
        long copies = List(System.IO.Path.GetDirectoryName(folder)!).Sum(c => c.Bytes);
        throw new NotEnoughSpaceException(folder, needed, free, copies);
    }

    /// <summary>How the free bytes are read: <see cref="FreeBytes"/>, or a test's reading (a disk that fills while the
    /// copy is written).</summary>
    internal static Func<string, long> FreeBytesOf { get; set; } = FreeBytes;

    /// <summary>The bytes free for this user on the disk that holds <paramref name="folder"/>.</summary>
    internal static long FreeBytes(string folder) => new DriveInfo(System.IO.Path.GetFullPath(folder)).AvailableFreeSpace;

    /// <summary>Writes the sections in order (<see cref="PreparedFile"/>) and returns the header written last.</summary>
    private static PreparedHeader Write(FileStream file, FolderListing listing, ImageFolderOptions options, Models.ImageShape shape,
        IProgress<(int Done, int Total)>? progress, CancellationToken cancel)
    {
        var seals = new ChunkSeals();
        using var fingerprint = new DataFingerprint(listing.Files.Count, shape.Size, shape.Size, shape.Channels);
        var labels = new List<byte>(listing.Files.Count);
        var decoded = ImageFolder.Decode(listing, shape, options, (image, label) =>
        {
            file.Write(image);
            seals.Append(image);
            fingerprint.Append(image);
            labels.Add(label);
        }, done => progress?.Report((done, listing.Files.Count)), cancel);
        // The fingerprint begins with the count: when bad files were skipped it is read again from what was written.
        string print = decoded.Count == listing.Files.Count ? fingerprint.Finish() : Refingerprint(file, decoded.Count, shape);
        long labelsOffset = file.Position;
        byte[] labelBytes = listing.Classes is null ? [] : [.. labels];
        file.Write(labelBytes);
        byte[] lines = Encoding.UTF8.GetBytes(string.Concat(listing.Lines().Select(l => l + "\n")));
        file.Write(lines);
        byte[] table = seals.Finish();
        long chunksOffset = file.Position;
        file.Write(table);
        var header = new PreparedHeader
        {
            Folder = listing.Folder,
            Options = KeyOf(options),
            Listing = listing.Digest(),
            Files = listing.Files.Count,
            Count = decoded.Count,
            Channels = shape.Channels,
            Size = shape.Size,
            Classes = listing.Classes,
            Fingerprint = print,
            Notes = decoded.Notes,
            PreparedUtc = DateTime.UtcNow,
            Tool = Diagnostics.ToolVersion.Current,
            LabelsOffset = labelsOffset,
            LabelsLength = labelBytes.Length,
            LabelsSeal = PreparedFile.Seal(labelBytes),
            FilesOffset = labelsOffset + labelBytes.Length,
            FilesLength = lines.Length,
            FilesSeal = PreparedFile.Seal(lines),
            ChunksOffset = chunksOffset,
            ChunkBytes = PreparedFile.ChunkBytes,
            ChunkCount = table.Length / 8,
            ChunksSeal = PreparedFile.Seal(table),
        };
        PreparedFile.WriteHeader(file, header);
        return header;
    }

    private static string Refingerprint(FileStream file, int count, Models.ImageShape shape)
    {
        using var fingerprint = new DataFingerprint(count, shape.Size, shape.Size, shape.Channels);
        var image = new byte[shape.Values];
        file.Flush();
        file.Seek(0, SeekOrigin.Begin);
        for (int i = 0; i < count; i++)
        {
            file.ReadExactly(image);
            fingerprint.Append(image);
        }
        file.Seek(0, SeekOrigin.End);
        return fingerprint.Finish();
    }

    /// <summary>The seal of each <see cref="PreparedFile.ChunkBytes"/> of pixels, fed as they are written.</summary>
    private sealed class ChunkSeals
    {
        private readonly XxHash3 hash = new();
        private readonly List<ulong> seals = [];
        private int filled;

        public void Append(ReadOnlySpan<byte> bytes)
        {
            while (bytes.Length > 0)
            {
                int take = Math.Min(bytes.Length, PreparedFile.ChunkBytes - filled);
                hash.Append(bytes[..take]);
                bytes = bytes[take..];
                filled += take;
                if (filled == PreparedFile.ChunkBytes)
                {
                    Close();
                }
            }
        }

        private void Close()
        {
            seals.Add(hash.GetCurrentHashAsUInt64());
            hash.Reset();
            filled = 0;
        }

        /// <summary>The table: each seal as 8 little-endian bytes.</summary>
        public byte[] Finish()
        {
            if (filled > 0)
            {
                Close();
            }
            var table = new byte[seals.Count * 8];
            for (int i = 0; i < seals.Count; i++)
            {
                System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(table.AsSpan(i * 8), seals[i]);
            }
            return table;
        }
    }
}

/// <summary>Too little free disk for a prepared copy: said before decoding, with the bytes needed and free, and what
/// the prepared copies there take.</summary>
internal sealed class NotEnoughSpaceException(string folder, long needed, long free, long copies)
    : IOException(string.Create(CultureInfo.InvariantCulture,
        $"preparing the images needs {Diagnostics.MachineInfo.Describe(needed)} in {folder}, which has {Diagnostics.MachineInfo.Describe(free)} free (prepared copies there take {Diagnostics.MachineInfo.Describe(copies)}); free some space, or set DCGAN_DATA to a folder on a larger disk."))
{
    public long Needed { get; } = needed;
    public long Free { get; } = free;
}
