using System.Buffers.Binary;
using System.IO.Compression;
using Dcgan.IO;

namespace Dcgan.Data;

/// <summary>
/// Reads and writes the IDX format of the MNIST files (http://yann.lecun.com/exdb/mnist/): a big-endian
/// magic number (0x0000, the element type 0x08 = unsigned byte, the number of dimensions), one big-endian
/// int32 per dimension, then the bytes. Files may be gzip-compressed, as they are distributed.
/// Every problem with a file is an <see cref="InvalidDataException"/> whose message names the file,
/// says what is wrong and what to do.
/// </summary>
public static class IdxFile
{
    public const int ImagesMagic = 0x00000803; // 2051: unsigned bytes, 3 dimensions
    public const int LabelsMagic = 0x00000801; // 2049: unsigned bytes, 1 dimension

    /// <summary>Unsigned bytes in 4 dimensions: colour images, N x rows x columns x 3 (channels last, as numpy and
    /// Keras hold images; what <see cref="WriteImages"/> writes for colour).</summary>
    public const int ColourImagesMagic = 0x00000804;

    /// <summary>Gray images (N x rows x columns), or colour ones (N x rows x columns x 3, <see cref="ColourImagesMagic"/>).</summary>
    public static ImageSet ReadImages(string path)
    {
        using var stream = OpenMaybeGzip(path);
        int[] dims = ReadHeader(stream, path, ImagesMagic, "image", ColourImagesMagic);
        var (count, rows, columns) = (dims[0], dims[1], dims[2]);
        int channels = dims.Length == 4 ? dims[3] : 1;
        if (channels is not (1 or 3))
        {
            throw new InvalidDataException($"{path}: its header declares images of {channels} channels; an IDX image file holds gray images (3 dimensions) or colour ones (4, the last of 3 channels).");
        }
        if (count < 1 || rows < 1 || columns < 1)
        {
            throw new InvalidDataException(
                $"{path}: its header declares {count} images of {rows}x{columns}; an image file needs at least one image of at least 1x1.");
        }
        long size = (long)count * rows * columns * channels;
        if (size > Array.MaxLength)
        {
            throw new InvalidDataException($"{path}: its header declares {size} bytes of pixels, more than this tool can hold; the header is probably corrupt.");
        }
        byte[] body = ReadBody(stream, path, size, "pixel");
        return new ImageSet(channels == 1 ? body : Interleaving(body, count, rows * columns, toPlanes: true), count, rows, columns, channels);
    }

    /// <summary>Colour pixels from interleaved (r, g, b per pixel, as IDX holds them) to planes (as an ImageSet
    /// holds them), or back.</summary>
    private static byte[] Interleaving(byte[] from, int count, int pixels, bool toPlanes)
    {
        var to = new byte[from.Length];
        for (int i = 0; i < count; i++)
        {
            int image = i * 3 * pixels;
            for (int p = 0; p < pixels; p++)
            {
                for (int c = 0; c < 3; c++)
                {
                    int interleaved = image + 3 * p + c, planar = image + c * pixels + p;
                    to[toPlanes ? planar : interleaved] = from[toPlanes ? interleaved : planar];
                }
            }
        }
        return to;
    }

    public static byte[] ReadLabels(string path)
    {
        using var stream = OpenMaybeGzip(path);
        int count = ReadHeader(stream, path, LabelsMagic, "label")[0];
        return ReadBody(stream, path, count, "label");
    }

    /// <summary>Images with their labels (which the images also carry); the two files must hold the same number of
    /// items.</summary>
    public static (ImageSet Images, byte[] Labels) ReadLabelled(string imagesPath, string labelsPath)
    {
        var images = ReadImages(imagesPath);
        var labels = ReadLabels(labelsPath);
        if (labels.Length != images.Count)
        {
            throw new InvalidDataException(
                $"{imagesPath} holds {images.Count} images but {labelsPath} holds {labels.Length} labels; pass the label file that belongs to these images.");
        }
        return (images.WithLabels(labels), labels);
    }

    /// <summary>Writes images as IDX (gzip-compressed when the path ends in .gz), an image at a time.</summary>
    public static void WriteImages(string path, ImageSet images)
    {
        bool gray = images.Channels == 1;
        Write(path, gray ? ImagesMagic : ColourImagesMagic,
            gray ? [images.Count, images.Rows, images.Columns] : [images.Count, images.Rows, images.Columns, images.Channels], output =>
            {
                var image = new byte[images.ImageBytes];
                for (int i = 0; i < images.Count; i++)
                {
                    images.CopyImage(i, image);
                    output.Write(gray ? image : Interleaving(image, 1, images.Rows * images.Columns, toPlanes: false));
                }
            });
    }

    public static void WriteLabels(string path, byte[] labels) => Write(path, LabelsMagic, [labels.Length], output => output.Write(labels));

    private static void Write(string path, int magic, int[] dims, Action<Stream> body) =>
        IO.AtomicFile.Write(path, file =>
        {
            if (!path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
            {
                WriteBody(file, magic, dims, body);
                return;
            }
            using var gzip = new GZipStream(file, CompressionLevel.Optimal, leaveOpen: true);
            WriteBody(gzip, magic, dims, body);
        });

    private static void WriteBody(Stream output, int magic, int[] dims, Action<Stream> body)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, magic);
        output.Write(word);
        foreach (int d in dims)
        {
            BinaryPrimitives.WriteInt32BigEndian(word, d);
            output.Write(word);
        }
        body(output);
    }

    private static Stream OpenMaybeGzip(string path)
    {
        if (Directory.Exists(path))
        {
            throw new InvalidDataException($"{path} is a folder; pass the IDX file itself (such as train-images-idx3-ubyte.gz).");
        }
        InputFile.Require(path, "an IDX file (such as train-images-idx3-ubyte.gz)", "check the path (IDX files such as train-images-idx3-ubyte.gz are expected).");
        var file = File.OpenRead(path);
        int b0 = file.ReadByte(), b1 = file.ReadByte();
        file.Position = 0;
        // gzip's magic bytes are 1f 8b; an IDX file starts with two zero bytes.
        return b0 == 0x1f && b1 == 0x8b ? new GZipStream(file, CompressionMode.Decompress) : file;
    }

    private static int[] ReadHeader(Stream stream, string path, int expectedMagic, string kind, int? alsoMagic = null)
    {
        Span<byte> word = stackalloc byte[4];
        if (ReadFully(stream, path, word) < 4)
        {
            throw new InvalidDataException($"{path} is too short to be an IDX {kind} file (it has no header); the file is empty or truncated: download it again.");
        }
        int magic = BinaryPrimitives.ReadInt32BigEndian(word);
        if (magic != expectedMagic && magic != alsoMagic)
        {
            string example = kind == "image" ? "train-images-idx3-ubyte.gz" : "train-labels-idx1-ubyte.gz";
            string what = (magic & ~0xff) == 0x00000800
                ? $"an IDX file of {magic & 0xff} dimensions (magic {magic}), not an IDX {kind} file (magic {expectedMagic})"
                : $"not an IDX file (it starts with bytes {Convert.ToHexString(word)}, not {expectedMagic:X8})";
            throw new InvalidDataException($"{path} is {what}; pass an IDX {kind} file such as {example}.");
        }
        var dims = new int[magic & 0xff];
        for (int i = 0; i < dims.Length; i++)
        {
            if (ReadFully(stream, path, word) < 4)
            {
                throw new InvalidDataException($"{path} ends inside its header; the file is truncated: download it again.");
            }
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(word);
        }
        return dims;
    }

    private static byte[] ReadBody(Stream stream, string path, long size, string kind)
    {
        var body = new byte[size];
        int read = ReadFully(stream, path, body);
        if (read < size)
        {
            throw new InvalidDataException(
                $"{path} is truncated: its header declares {size} bytes of {kind} data but only {read} follow; download the file again.");
        }
        return body;
    }

    private static int ReadFully(Stream stream, string path, Span<byte> buffer)
    {
        try
        {
            return stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            // GZipStream's own message ("The archive entry was compressed using an unsupported compression method.")
            // does not say which file; ours does.
            throw new InvalidDataException($"{path} is not a valid gzip file ({e.Message.TrimEnd('.')}); the download is damaged: fetch it again.", e);
        }
    }
}
