using System.Security.Cryptography;
using Dcgan.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Dcgan.Data;

/// <summary>Images as bytes: <see cref="Count"/> images of <see cref="Channels"/> x <see cref="Rows"/> x
/// <see cref="Columns"/> bytes, channels first then row-major (0 = black): one plane for gray, as an IDX file holds
/// them, and red, green and blue planes for colour.</summary>
public sealed class ImageSet
{
    public ImageSet(byte[] pixels, int count, int rows, int columns, int channels = 1)
    {
        if (channels is not (1 or 3))
        {
            throw new ArgumentException($"images have 1 channel (gray) or 3 (colour), not {channels}.", nameof(channels));
        }
        if ((long)count * channels * rows * columns != pixels.Length)
        {
            throw new ArgumentException(
                $"{pixels.Length} pixels cannot be {count} images of {rows}x{columns}{(channels == 1 ? "" : $"x{channels}")}.", nameof(pixels));
        }
        Pixels = pixels;
        Count = count;
        Rows = rows;
        Columns = columns;
        Channels = channels;
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

    /// <summary>1: gray; 3: colour (red, green, blue).</summary>
    public int Channels { get; }

    /// <summary>The images' shape, when they are square (the models' images are); null otherwise.</summary>
    public ImageShape? Shape => Rows == Columns ? new(Channels, Rows) : null;

    /// <summary>"28x28 gray", "64x64 colour", "28x20 gray".</summary>
    public string DescribeShape() => $"{Rows}x{Columns} {(Channels == 1 ? "gray" : "colour")}";

    private int Values => Channels * Rows * Columns;

    /// <summary>The first <paramref name="count"/> images (this set itself when it holds no more).</summary>
    public ImageSet Take(int count) =>
        count >= Count ? this : new ImageSet(Pixels[..(count * Values)], count, Rows, Columns, Channels) { Labels = Labels?[..count], ClassNames = ClassNames };

    /// <summary>The images at <paramref name="indices"/>, with their labels.</summary>
    public ImageSet Select(IReadOnlyList<int> indices)
    {
        var pixels = new byte[indices.Count * Values];
        for (int i = 0; i < indices.Count; i++)
        {
            Array.Copy(Pixels, (long)indices[i] * Values, pixels, (long)i * Values, Values);
        }
        return new ImageSet(pixels, indices.Count, Rows, Columns, Channels)
        {
            Labels = Labels is { } labels ? [.. indices.Select(i => labels[i])] : null,
            ClassNames = ClassNames,
        };
    }

    /// <summary>These images with their labels, one per image, and the names of the classes they stand for.</summary>
    public ImageSet WithLabels(byte[] labels, IReadOnlyList<string>? classNames = null) => labels.Length == Count
        ? new ImageSet(Pixels, Count, Rows, Columns, Channels) { Labels = labels, ClassNames = classNames }
        : throw new ArgumentException($"{labels.Length} labels cannot label {Count} images.", nameof(labels));

    /// <summary>These images with other pixels of another shape (resized, recoloured), their labels kept.</summary>
    internal ImageSet WithPixels(byte[] pixels, ImageShape shape) =>
        new(pixels, Count, shape.Size, shape.Size, shape.Channels) { Labels = Labels, ClassNames = ClassNames };

    /// <summary>Identifies the data a run was trained on: SHA-256 of the shape and the pixels (gray images' as before
    /// colour, so that a gray run's fingerprint is what it was).</summary>
    public string Fingerprint()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(BitConverter.GetBytes(Count));
        hash.AppendData(BitConverter.GetBytes(Rows));
        hash.AppendData(BitConverter.GetBytes(Columns));
        if (Channels != 1)
        {
            hash.AppendData(BitConverter.GetBytes(Channels));
        }
        hash.AppendData(Pixels);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The tutorial's preprocessing: (x - 127.5) / 127.5, so pixels lie in [-1, 1], shaped
    /// [N, channels, rows, columns] (channels first, as torch wants).</summary>
    public Tensor ToTensor()
    {
        using var bytes = torch.tensor(Pixels, new long[] { Count, Channels, Rows, Columns }, ScalarType.Byte);
        using var floats = bytes.to_type(ScalarType.Float32);
        return floats.sub(127.5).div_(127.5);
    }
}
