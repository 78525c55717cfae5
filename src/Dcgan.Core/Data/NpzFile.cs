using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using Dcgan.IO;

namespace Dcgan.Data;

/// <summary>An array of unsigned bytes with its shape, as stored in a .npy file.</summary>
internal sealed record ByteArray(int[] Shape, byte[] Data);

/// <summary>
/// NumPy's .npz (a zip of .npy files), as Keras stores MNIST in mnist.npz: arrays x_train, y_train, x_test, y_test,
/// all unsigned bytes. Only what that needs is supported: uint8 arrays in C order. The .npy format: the magic
/// "\x93NUMPY", a version, a little-endian header length, a Python dict literal with 'descr', 'fortran_order'
/// and 'shape', then the data. No .NET package reads it without pulling in a numerics stack, hence this reader.
/// </summary>
internal static partial class NpzFile
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Reads array <paramref name="name"/> (without ".npy") from the archive.</summary>
    public static ByteArray Read(string path, string name)
    {
        InputFile.Require(path, "the .npz file", "check the path of the .npz file.");
        try
        {
            using var zip = ZipFile.OpenRead(path);
            var entry = zip.GetEntry(name + ".npy")
                ?? throw new InvalidDataException(
                    $"{path} has no array '{name}' (it has {string.Join(", ", zip.Entries.Select(e => Path.GetFileNameWithoutExtension(e.Name)))}); a Keras mnist.npz holds x_train, y_train, x_test and y_test.");
            using var stream = entry.Open();
            return ReadNpy(stream, $"{path}:{name}");
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{path} is not a readable .npz (zip) file ({e.Message.TrimEnd('.')}); download it again.", e);
        }
    }

    /// <summary>Images of a Keras-style archive (x_train or x_test) as an <see cref="ImageSet"/>.</summary>
    public static ImageSet ReadImages(string path, string name)
    {
        var array = Read(path, name);
        if (array.Shape.Length != 3)
        {
            throw new InvalidDataException($"{path}:{name} has shape ({string.Join(", ", array.Shape)}); images need 3 dimensions (count, rows, columns).");
        }
        return new ImageSet(array.Data, array.Shape[0], array.Shape[1], array.Shape[2]);
    }

    public static void Write(string path, IReadOnlyDictionary<string, ByteArray> arrays)
    {
        using var file = File.Create(path);
        using var zip = new ZipArchive(file, ZipArchiveMode.Create);
        var length = new byte[2];
        foreach (var (name, array) in arrays)
        {
            using var stream = zip.CreateEntry(name + ".npy", CompressionLevel.Fastest).Open();
            string shape = array.Shape.Length == 1 ? $"({array.Shape[0]},)" : $"({string.Join(", ", array.Shape)})";
            string header = $"{{'descr': '|u1', 'fortran_order': False, 'shape': {shape}, }}";
            // Pad with spaces and end with a newline so that the data starts on a multiple of 64 bytes, as NumPy does.
            int unpadded = Magic.Length + 2 + 2 + header.Length + 1;
            header = header.PadRight(header.Length + (64 - unpadded % 64) % 64) + "\n";
            stream.Write(Magic);
            stream.Write([1, 0]);
            BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)header.Length);
            stream.Write(length);
            stream.Write(Encoding.ASCII.GetBytes(header));
            stream.Write(array.Data);
        }
    }

    private static ByteArray ReadNpy(Stream stream, string where)
    {
        var prefix = new byte[8];
        if (stream.ReadAtLeast(prefix, 8, throwOnEndOfStream: false) < 8 || !prefix.AsSpan(0, 6).SequenceEqual(Magic))
        {
            throw new InvalidDataException($"{where} is not a .npy array (no \\x93NUMPY header).");
        }
        int major = prefix[6];
        int lengthSize = major == 1 ? 2 : major is 2 or 3 ? 4 : throw new InvalidDataException($"{where} is .npy version {major}, which this tool does not know.");
        var lengthBytes = new byte[lengthSize];
        stream.ReadExactly(lengthBytes);
        int headerLength = lengthSize == 2 ? BinaryPrimitives.ReadUInt16LittleEndian(lengthBytes) : (int)BinaryPrimitives.ReadUInt32LittleEndian(lengthBytes);
        if (headerLength is <= 0 or > 1 << 20)
        {
            throw new InvalidDataException($"{where} has a .npy header of {headerLength} bytes; the file is damaged.");
        }
        var headerBytes = new byte[headerLength];
        if (stream.ReadAtLeast(headerBytes, headerLength, throwOnEndOfStream: false) < headerLength)
        {
            throw new InvalidDataException($"{where} ends inside its .npy header; the file is truncated.");
        }
        string header = Encoding.ASCII.GetString(headerBytes);

        string descr = Field(DescrPattern(), header, where, "descr");
        if (descr is not ("|u1" or "<u1" or ">u1" or "u1"))
        {
            throw new InvalidDataException($"{where} holds '{descr}' values; only unsigned bytes ('|u1') are supported, as in Keras's mnist.npz.");
        }
        if (Field(FortranPattern(), header, where, "fortran_order") != "False")
        {
            throw new InvalidDataException($"{where} is stored in Fortran order; save it in C order (NumPy's default).");
        }
        int[] shape = Field(ShapePattern(), header, where, "shape")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => int.TryParse(d, NumberStyles.None, CultureInfo.InvariantCulture, out int v) ? v
                : throw new InvalidDataException($"{where} has a shape entry '{d}' that is not a count."))
            .ToArray();
        long size = shape.Aggregate(1L, (a, d) => a * d);
        if (size > Array.MaxLength)
        {
            throw new InvalidDataException($"{where} declares {size} values, more than this tool can hold; the header is damaged.");
        }
        var data = new byte[size];
        int read = stream.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
        if (read < size)
        {
            throw new InvalidDataException($"{where} is truncated: its header declares {size} bytes but only {read} follow.");
        }
        return new ByteArray(shape, data);
    }

    private static string Field(Regex pattern, string header, string where, string name)
    {
        var match = pattern.Match(header);
        return match.Success ? match.Groups[1].Value
            : throw new InvalidDataException($"{where} has a .npy header without a readable '{name}' ({header.Trim()}).");
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
