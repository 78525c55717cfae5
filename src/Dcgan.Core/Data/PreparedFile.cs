using System.Buffers.Binary;
using System.IO.Hashing;
using System.IO.MemoryMappedFiles;
using System.Text;
using System.Text.Json;
using Dcgan.IO;

namespace Dcgan.Data;

/// <summary>
/// A prepared folder's file: its images decoded once, as bytes, read in place. The layout, in order:
/// <list type="bullet">
/// <item>the pixels, N x channels x rows x columns bytes (planar, as <see cref="ImageSet"/> holds them), from byte 0;</item>
/// <item>the labels, one byte an image (when the folder has classes);</item>
/// <item>the listing the images were read from, a line a file (<see cref="FolderListing.Lines"/>);</item>
/// <item>the chunk seals: the XxHash3 of each <see cref="PreparedHeader.ChunkBytes"/> of pixels, 8 bytes each;</item>
/// <item>the header, JSON (<see cref="PreparedHeader"/>), with the XxHash3 of each section before it;</item>
/// <item>a footer of 28 bytes: the header's offset (int64) and length (int32), its XxHash3 (uint64), and "DCGANPRE".</item>
/// </list>
/// Everything is little-endian. The header is written last, so a file cut short has no footer and is never taken for
/// whole; the pixels are checked a chunk at a time when first read (<see cref="PreparedImages"/>), so a changed byte is
/// caught without reading gigabytes at every start.
/// </summary>
internal static class PreparedFile
{
    public const int FooterBytes = 28;
    private static readonly byte[] Magic = "DCGANPRE"u8.ToArray();

    /// <summary>The bytes each pixel seal covers: small enough that the first batches of a shuffled epoch check little
    /// more than they read.</summary>
    public const int ChunkBytes = 256 * 1024;

    public static ulong Seal(ReadOnlySpan<byte> bytes) => XxHash3.HashToUInt64(bytes);

    /// <summary>The header of a prepared file, checked against its footer and seal; a damaged or cut file is a
    /// <see cref="PreparedFileDamagedException"/> that says how.</summary>
    public static PreparedHeader ReadHeader(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (file.Length < FooterBytes)
        {
            throw new PreparedFileDamagedException(path, "it is cut short");
        }
        Span<byte> footer = stackalloc byte[FooterBytes];
        file.Seek(-FooterBytes, SeekOrigin.End);
        file.ReadExactly(footer);
        if (!footer[20..].SequenceEqual(Magic))
        {
            throw new PreparedFileDamagedException(path, "it has no seal at its end (cut short, or not a prepared folder)");
        }
        long offset = BinaryPrimitives.ReadInt64LittleEndian(footer);
        int length = BinaryPrimitives.ReadInt32LittleEndian(footer[8..]);
        if (offset < 0 || length <= 0 || offset + length != file.Length - FooterBytes)
        {
            throw new PreparedFileDamagedException(path, "its seal does not fit its size");
        }
        var json = new byte[length];
        file.Seek(offset, SeekOrigin.Begin);
        file.ReadExactly(json);
        if (Seal(json) != BinaryPrimitives.ReadUInt64LittleEndian(footer[12..]))
        {
            throw new PreparedFileDamagedException(path, "its header does not match its seal");
        }
        var header = JsonSerializer.Deserialize<PreparedHeader>(json, JsonFormat.SnakeCase)
            ?? throw new PreparedFileDamagedException(path, "its header is empty");
        header.CheckLayout(path, offset);
        return header;
    }

    /// <summary>A small section read whole and checked against its seal.</summary>
    public static byte[] ReadSection(string path, long offset, long length, ulong seal, string what)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var bytes = new byte[length];
        file.Seek(offset, SeekOrigin.Begin);
        file.ReadExactly(bytes);
        return Seal(bytes) == seal ? bytes : throw new PreparedFileDamagedException(path, $"its {what} do not match their seal");
    }

    /// <summary>The listing's lines as the file keeps them.</summary>
    public static string[] ReadListing(string path, PreparedHeader header) =>
        Encoding.UTF8.GetString(ReadSection(path, header.FilesOffset, header.FilesLength, header.FilesSeal, "listing"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Writes the footer: where the header is, and its seal.</summary>
    public static void WriteHeader(Stream file, PreparedHeader header)
    {
        long offset = file.Position;
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(header, JsonFormat.SnakeCase);
        file.Write(json);
        Span<byte> footer = stackalloc byte[FooterBytes];
        BinaryPrimitives.WriteInt64LittleEndian(footer, offset);
        BinaryPrimitives.WriteInt32LittleEndian(footer[8..], json.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(footer[12..], Seal(json));
        Magic.CopyTo(footer[20..]);
        file.Write(footer);
    }
}

/// <summary>What a prepared file holds and where: the folder and options it was read with, the listing it was read
/// from (<see cref="Listing"/>, the key), the images' count, shape, classes and fingerprint, the notes said when it
/// was read, and each section's place and seal.</summary>
internal sealed record PreparedHeader
{
    /// <summary>This layout's number; a file of another is prepared again.</summary>
    public const int CurrentFormat = 1;

    public int Format { get; init; } = CurrentFormat;
    public required string Folder { get; init; }
    public required string Options { get; init; }
    public required string Listing { get; init; }
    public required int Files { get; init; }
    public required int Count { get; init; }
    public required int Channels { get; init; }
    public required int Size { get; init; }
    public IReadOnlyList<string>? Classes { get; init; }
    public required string Fingerprint { get; init; }
    public IReadOnlyList<string> Notes { get; init; } = [];
    public required DateTime PreparedUtc { get; init; }
    public required string Tool { get; init; }
    public required long LabelsOffset { get; init; }
    public required long LabelsLength { get; init; }
    public required ulong LabelsSeal { get; init; }
    public required long FilesOffset { get; init; }
    public required long FilesLength { get; init; }
    public required ulong FilesSeal { get; init; }
    public required long ChunksOffset { get; init; }
    public required int ChunkBytes { get; init; }
    public required int ChunkCount { get; init; }
    public required ulong ChunksSeal { get; init; }

    public Models.ImageShape Shape => new(Channels, Size);
    public long PixelBytes => (long)Count * Shape.Values;

    /// <summary>Throws when the sections do not follow one another as the layout says, up to the header at
    /// <paramref name="headerOffset"/>.</summary>
    public void CheckLayout(string path, long headerOffset)
    {
        bool fits = Format == CurrentFormat && Count > 0 && Channels is 1 or 3 && Size > 0 && ChunkBytes > 0
            && LabelsOffset == PixelBytes && LabelsLength is var labels && (labels == 0 || labels == Count)
            && FilesOffset == LabelsOffset + LabelsLength && ChunksOffset == FilesOffset + FilesLength
            && ChunkCount == (PixelBytes + ChunkBytes - 1) / ChunkBytes && ChunksOffset + (long)ChunkCount * 8 == headerOffset;
        if (!fits)
        {
            throw new PreparedFileDamagedException(path, Format != CurrentFormat ? $"it is of another layout ({Format})" : "its sections do not fit together");
        }
    }
}

/// <summary>A prepared file's images, mapped into memory and read in place: the page cache holds what the process
/// reads, so a set larger than memory trains. Each chunk of pixels is checked against its seal the first time an image
/// in it is read, on whichever thread reads it; a mismatch removes the file and is a
/// <see cref="PreparedFileDamagedException"/>.</summary>
internal sealed class PreparedImages : PixelStore
{
    private readonly string path;
    private readonly PreparedHeader header;
    private readonly ulong[] seals;
    private readonly int[] checkedChunks;
    private readonly MemoryMappedFile map;
    private readonly MemoryMappedViewAccessor view;
    private readonly int imageBytes;

    public PreparedImages(string path, PreparedHeader header)
    {
        this.path = path;
        this.header = header;
        imageBytes = header.Shape.Values;
        var table = PreparedFile.ReadSection(path, header.ChunksOffset, (long)header.ChunkCount * 8, header.ChunksSeal, "chunk seals");
        seals = new ulong[header.ChunkCount];
        for (int i = 0; i < seals.Length; i++)
        {
            seals[i] = BinaryPrimitives.ReadUInt64LittleEndian(table.AsSpan(i * 8));
        }
        checkedChunks = new int[header.ChunkCount];
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        map = MemoryMappedFile.CreateFromFile(file, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        view = map.CreateViewAccessor(0, header.PixelBytes, MemoryMappedFileAccess.Read);
    }

    public override string? KnownFingerprint => header.Fingerprint;

    public override void Read(long index, Span<byte> into)
    {
        long start = index * imageBytes;
        for (long chunk = start / header.ChunkBytes; chunk <= (start + imageBytes - 1) / header.ChunkBytes; chunk++)
        {
            Check((int)chunk);
        }
        view.SafeMemoryMappedViewHandle.ReadSpan((ulong)start, into[..imageBytes]);
    }

    /// <summary>Checks a chunk against its seal, once (two threads may both check it: no harm).</summary>
    private void Check(int chunk)
    {
        if (Volatile.Read(ref checkedChunks[chunk]) != 0)
        {
            return;
        }
        long start = (long)chunk * header.ChunkBytes;
        int length = (int)Math.Min(header.ChunkBytes, header.PixelBytes - start);
        // Pooled: every chunk of an epoch's first pass is checked, and a fresh 256 KB array each time is garbage.
        byte[] rented = System.Buffers.ArrayPool<byte>.Shared.Rent(length);
        bool whole;
        try
        {
            view.SafeMemoryMappedViewHandle.ReadSpan((ulong)start, rented.AsSpan(0, length));
            whole = PreparedFile.Seal(rented.AsSpan(0, length)) == seals[chunk];
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
        if (!whole)
        {
            // Removed so that the next run prepares the folder again; this process's mapping stays readable on Unix.
            File.Delete(path);
            throw new PreparedFileDamagedException(path, $"its pixels at byte {start} (chunk {chunk + 1} of {seals.Length}) do not match their seal");
        }
        Volatile.Write(ref checkedChunks[chunk], 1);
    }

    protected override void Release()
    {
        view.Dispose();
        map.Dispose();
    }
}

/// <summary>A prepared folder's file that is damaged: cut short, changed, or of another layout. The folder it came from
/// is intact; preparing it again mends it.</summary>
internal sealed class PreparedFileDamagedException(string path, string how)
    : IOException($"the prepared copy {path} is damaged: {how}.")
{
    public string Path { get; } = path;
    public string How { get; } = how;
}
