using System.Formats.Tar;
using System.IO.Compression;

namespace Dcgan.Data;

/// <summary>
/// CIFAR-10 in its binary form (https://www.cs.toronto.edu/~kriz/cifar.html): 60,000 colour images of 32x32 in 10
/// classes, as six batch files of 10,000 records each (data_batch_1..5.bin for training, test_batch.bin for test).
/// A record is 1 label byte then 3,072 pixel bytes: the red plane, the green, the blue, each 32 rows of 32, which is
/// the channels-first layout of <see cref="ImageSet"/>, so records are copied as they are. Read from the published
/// archive without unpacking it (System.Formats.Tar over a gzip stream), or from the folder it unpacks to.
/// </summary>
internal static class Cifar10
{
    public const string Name = "cifar10";
    public const int Side = 32;
    private const int PixelBytes = 3 * Side * Side;
    private const int RecordBytes = 1 + PixelBytes;

    /// <summary>The published archive; its MD5 as the dataset's page and torchvision give it.</summary>
    public static readonly DatasetFile Archive = new("cifar-10-binary.tar.gz", "c32a1d4ab5d03f1284b67883e8d87530", null);

    public static readonly IReadOnlyList<string> Mirrors = ["https://www.cs.toronto.edu/~kriz/"];

    /// <summary>The folder the archive unpacks to, and where its batches sit inside it.</summary>
    public const string Folder = "cifar-10-batches-bin";

    /// <summary>The label names, in label order (the archive's batches.meta.txt).</summary>
    public static readonly IReadOnlyList<string> ClassNames =
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    public static IReadOnlyList<string> BatchNames(Split split) => split == Split.Train
        ? ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"]
        : ["test_batch.bin"];

    /// <summary>The folder holding the batch files: <paramref name="folder"/> itself or its cifar-10-batches-bin;
    /// null when neither holds any.</summary>
    public static string? BatchFolder(string folder) =>
        new[] { folder, Path.Combine(folder, Folder) }.FirstOrDefault(f => BatchNames(Split.Test).Concat(BatchNames(Split.Train))
            .Any(b => File.Exists(Path.Combine(f, b))));

    public static bool IsArchive(string path) =>
        Path.GetFileName(path).EndsWith(".tar.gz", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".tgz", StringComparison.OrdinalIgnoreCase);

    /// <summary>A split from the folder of batch files.</summary>
    public static ImageSet ReadFolder(string batchFolder, Split split)
    {
        var batches = new List<byte[]>();
        foreach (string name in BatchNames(split))
        {
            string path = Path.Combine(batchFolder, name);
            if (!File.Exists(path))
            {
                throw new InvalidDataException($"{batchFolder} holds CIFAR-10 batches but not {name}; put all six batch files there (or give the archive {Archive.Name}).");
            }
            batches.Add(Checked(File.ReadAllBytes(path), path));
        }
        return Join(batches);
    }

    /// <summary>A split from the archive, read as it streams (nothing is unpacked to disk).</summary>
    public static ImageSet ReadArchive(string archive, Split split)
    {
        var wanted = BatchNames(split);
        var found = new Dictionary<string, byte[]>();
        try
        {
            using var file = File.OpenRead(archive);
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            using var tar = new TarReader(gzip);
            while (found.Count < wanted.Count && tar.GetNextEntry() is { } entry)
            {
                string name = Path.GetFileName(entry.Name);
                if (entry.DataStream is { } data && wanted.Contains(name))
                {
                    using var bytes = new MemoryStream();
                    data.CopyTo(bytes);
                    found[name] = Checked(bytes.ToArray(), $"{archive}:{entry.Name}");
                }
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw new InvalidDataException($"{archive} is not a whole CIFAR-10 archive ({e.Message.TrimEnd('.')}); delete it and fetch it again ('dcgan data fetch').", e);
        }
        if (wanted.FirstOrDefault(n => !found.ContainsKey(n)) is { } missing)
        {
            throw new InvalidDataException($"{archive} holds no {missing}; it is not CIFAR-10's binary archive ({Archive.Name}).");
        }
        return Join([.. wanted.Select(n => found[n])]);
    }

    /// <summary>A batch's bytes, refused unless they are whole records with labels 0 to 9.</summary>
    private static byte[] Checked(byte[] batch, string where)
    {
        if (batch.Length == 0 || batch.Length % RecordBytes != 0)
        {
            throw new InvalidDataException($"{where} is not a CIFAR-10 batch: its {batch.Length} bytes are not whole records of {RecordBytes} (a label byte and 32x32x3 pixels).");
        }
        for (int offset = 0; offset < batch.Length; offset += RecordBytes)
        {
            if (batch[offset] >= ClassNames.Count)
            {
                throw new InvalidDataException($"{where} is not a CIFAR-10 batch: record {offset / RecordBytes} has label {batch[offset]}, and CIFAR-10's labels are 0 to 9.");
            }
        }
        return batch;
    }

    private static ImageSet Join(IReadOnlyList<byte[]> batches)
    {
        int count = batches.Sum(b => b.Length / RecordBytes);
        var pixels = new byte[(long)count * PixelBytes];
        var labels = new byte[count];
        int index = 0;
        foreach (var batch in batches)
        {
            for (int offset = 0; offset < batch.Length; offset += RecordBytes, index++)
            {
                labels[index] = batch[offset];
                Buffer.BlockCopy(batch, offset + 1, pixels, index * PixelBytes, PixelBytes);
            }
        }
        return new ImageSet(pixels, count, Side, Side, channels: 3).WithLabels(labels, ClassNames);
    }
}
