using Dcgan.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Dcgan.Data;

/// <summary>Images as bytes: <see cref="Count"/> images of <see cref="Channels"/> x <see cref="Rows"/> x
/// <see cref="Columns"/> bytes, channels first then row-major (0 = black): one plane for gray, as an IDX file holds
/// them, and red, green and blue planes for colour. The bytes are in memory (an array given to the constructor) or in
/// a prepared folder's file, mapped and read an image at a time (<see cref="PreparedFolder"/>): a set larger than
/// memory trains, a batch at a time (<see cref="Batches"/>). Disposing releases a mapped file; a set in memory has
/// nothing to release.</summary>
public sealed class ImageSet : IDisposable
{
    /// <summary>The bytes, of which this set holds one reference.</summary>
    private readonly PixelStore store;

    public ImageSet(byte[] pixels, int count, int rows, int columns, int channels = 1)
        : this(new ArrayStore(pixels, CheckedImageBytes(pixels.LongLength, count, rows, columns, channels)), count, rows, columns, channels)
    {
    }

    /// <summary>A set over <paramref name="store"/>, whose reference it takes over.</summary>
    private ImageSet(PixelStore store, int count, int rows, int columns, int channels)
    {
        this.store = store;
        Count = count;
        Rows = rows;
        Columns = columns;
        Channels = channels;
    }

    private static int CheckedImageBytes(long length, int count, int rows, int columns, int channels)
    {
        if (channels is not (1 or 3))
        {
            throw new ArgumentException($"images have 1 channel (gray) or 3 (colour), not {channels}.", nameof(channels));
        }
        if ((long)count * channels * rows * columns != length)
        {
            throw new ArgumentException(
                $"{length} pixels cannot be {count} images of {rows}x{columns}{(channels == 1 ? "" : $"x{channels}")}.", nameof(length));
        }
        return channels * rows * columns;
    }

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

    /// <summary>The bytes of one image: channels x rows x columns.</summary>
    public int ImageBytes => Channels * Rows * Columns;

    /// <summary>All the bytes of the images, in memory, in one array.</summary>
    public long TotalBytes => (long)Count * ImageBytes;

    /// <summary>Image <paramref name="index"/>'s bytes copied into <paramref name="into"/> (at least <see cref="ImageBytes"/> long).</summary>
    public void CopyImage(int index, Span<byte> into)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        store.Read(index, into[..ImageBytes]);
    }

    /// <summary>All the images' bytes in one new array, for sets that fit one (a .NET array holds at most
    /// <see cref="Array.MaxLength"/> bytes); large sets are read an image or a batch at a time.</summary>
    public byte[] CopyPixels()
    {
        if (TotalBytes > Array.MaxLength)
        {
            throw new InvalidOperationException($"{Count} images of {DescribeShape()} are {TotalBytes} bytes, more than one array holds; read them an image or a batch at a time.");
        }
        if (store is ArrayStore array)
        {
            return (byte[])array.Pixels.Clone(); // a whole set's array: views are ViewStores
        }
        var all = new byte[TotalBytes];
        for (int i = 0; i < Count; i++)
        {
            store.Read(i, all.AsSpan(i * ImageBytes, ImageBytes));
        }
        return all;
    }

    /// <summary>The first <paramref name="count"/> images (this set itself when it holds no more), without copying them.</summary>
    public ImageSet Take(int count) =>
        count >= Count ? this : View([.. Enumerable.Range(0, count)]);

    /// <summary>The images at <paramref name="indices"/>, with their labels, without copying them.</summary>
    public ImageSet Select(IReadOnlyList<int> indices) => View([.. indices]);

    private ImageSet View(int[] indices) =>
        new(new ViewStore(store, indices), indices.Length, Rows, Columns, Channels)
        {
            Labels = Labels is { } labels ? [.. indices.Select(i => labels[i])] : null,
            ClassNames = ClassNames,
        };

    /// <summary>These images with their labels, one per image, and the names of the classes they stand for.</summary>
    public ImageSet WithLabels(byte[] labels, IReadOnlyList<string>? classNames = null) => labels.Length == Count
        ? new ImageSet(store.Share(), Count, Rows, Columns, Channels) { Labels = labels, ClassNames = classNames }
        : throw new ArgumentException($"{labels.Length} labels cannot label {Count} images.", nameof(labels));

    /// <summary>These images with other pixels of another shape (resized, recoloured), their labels kept.</summary>
    internal ImageSet WithPixels(byte[] pixels, ImageShape shape) =>
        new(pixels, Count, shape.Size, shape.Size, shape.Channels) { Labels = Labels, ClassNames = ClassNames };

    /// <summary>These images, labelled as given: for a store just opened.</summary>
    internal static ImageSet Of(PixelStore store, int count, ImageShape shape, byte[]? labels, IReadOnlyList<string>? classNames) =>
        new(store, count, shape.Size, shape.Size, shape.Channels) { Labels = labels, ClassNames = classNames };

    /// <summary>Identifies the data a run was trained on: SHA-256 of the shape and the pixels (gray images' as before
    /// colour, so that a gray run's fingerprint is what it was). A prepared folder's was computed once, when it was
    /// prepared, and is read from its seal.</summary>
    public string Fingerprint()
    {
        if (store.KnownFingerprint is { } known)
        {
            return known;
        }
        using var fingerprint = new DataFingerprint(Count, Rows, Columns, Channels);
        var image = new byte[ImageBytes];
        for (int i = 0; i < Count; i++)
        {
            store.Read(i, image);
            fingerprint.Append(image);
        }
        return fingerprint.Finish();
    }

    /// <summary>The tutorial's preprocessing: (x - 127.5) / 127.5, so pixels lie in [-1, 1], shaped
    /// [N, channels, rows, columns] (channels first, as torch wants). All of them at once, four bytes a pixel: for
    /// sets that fit memory; training reads a batch at a time (<see cref="Batches"/>).</summary>
    public Tensor ToTensor() => ToTensor([.. Enumerable.Range(0, Count)]);

    /// <summary>The images at <paramref name="indices"/>, as <see cref="ToTensor()"/> makes them.</summary>
    public Tensor ToTensor(ReadOnlySpan<int> indices)
    {
        if ((long)indices.Length * ImageBytes > Array.MaxLength)
        {
            throw new InvalidOperationException($"{indices.Length} images of {DescribeShape()} are more values than one tensor is made from here; take them a batch at a time.");
        }
        var floats = new float[(long)indices.Length * ImageBytes];
        CopyFloats(indices, floats);
        return torch.tensor(floats, new long[] { indices.Length, Channels, Rows, Columns });
    }

    /// <summary>The images at <paramref name="indices"/> in [-1, 1], one after the other, into <paramref name="into"/>:
    /// what <see cref="ToTensor(ReadOnlySpan{int})"/> and the batches read (<see cref="BatchReader"/>) are made of.</summary>
    internal void CopyFloats(ReadOnlySpan<int> indices, Span<float> into)
    {
        var bytes = new byte[ImageBytes];
        for (int i = 0; i < indices.Length; i++)
        {
            store.Read(indices[i], bytes);
            PixelScale.ToFloats(bytes, into.Slice(i * ImageBytes, ImageBytes));
        }
    }

    /// <summary>Releases this set's hold on its bytes: a prepared folder's mapping is released with the last set that
    /// reads it (views and labelled copies included).</summary>
    public void Dispose() => store.Dispose();
}
