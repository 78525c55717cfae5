using System.Security.Cryptography;
using TorchSharp;
using static TorchSharp.torch;

namespace Dcgan.Data;

/// <summary>Grayscale images as read from an IDX file: <see cref="Count"/> images of
/// <see cref="Rows"/> x <see cref="Columns"/> bytes, row-major, 0 = black.</summary>
public sealed class ImageSet
{
    public ImageSet(byte[] pixels, int count, int rows, int columns)
    {
        if ((long)count * rows * columns != pixels.Length)
        {
            throw new ArgumentException(
                $"{pixels.Length} pixels cannot be {count} images of {rows}x{columns}.", nameof(pixels));
        }
        Pixels = pixels;
        Count = count;
        Rows = rows;
        Columns = columns;
    }

    public byte[] Pixels { get; }

    /// <summary>The digit (class) of each image, when known: Keras's train_labels. Only recipes that learn from labels
    /// use them.</summary>
    public byte[]? Labels { get; private init; }

    /// <summary>What each label stands for, when the labels are named classes (folders of images); null: numbers.</summary>
    public IReadOnlyList<string>? ClassNames { get; private init; }
    public int Count { get; }
    public int Rows { get; }
    public int Columns { get; }

    /// <summary>The first <paramref name="count"/> images (this set itself when it holds no more).</summary>
    public ImageSet Take(int count) =>
        count >= Count ? this : new ImageSet(Pixels[..(count * Rows * Columns)], count, Rows, Columns) { Labels = Labels?[..count], ClassNames = ClassNames };

    /// <summary>These images with their labels, one per image, and the names of the classes they stand for.</summary>
    public ImageSet WithLabels(byte[] labels, IReadOnlyList<string>? classNames = null) => labels.Length == Count
        ? new ImageSet(Pixels, Count, Rows, Columns) { Labels = labels, ClassNames = classNames }
        : throw new ArgumentException($"{labels.Length} labels cannot label {Count} images.", nameof(labels));

    /// <summary>Identifies the data a run was trained on: SHA-256 of the shape and the pixels.</summary>
    public string Fingerprint()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(BitConverter.GetBytes(Count));
        hash.AppendData(BitConverter.GetBytes(Rows));
        hash.AppendData(BitConverter.GetBytes(Columns));
        hash.AppendData(Pixels);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The tutorial's preprocessing: (x - 127.5) / 127.5, so pixels lie in [-1, 1], shaped
    /// [N, 1, rows, columns] (channels first, as torch wants).</summary>
    public Tensor ToTensor()
    {
        using var bytes = torch.tensor(Pixels, new long[] { Count, 1, Rows, Columns }, ScalarType.Byte);
        using var floats = bytes.to_type(ScalarType.Float32);
        return floats.sub(127.5).div_(127.5);
    }
}
