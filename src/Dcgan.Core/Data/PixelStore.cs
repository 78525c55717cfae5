namespace Dcgan.Data;

/// <summary>Where an <see cref="ImageSet"/>'s bytes live: an array in memory, a prepared folder's file mapped into
/// memory (<see cref="PreparedImages"/>), or a view of another store. Images are read one at a time into the caller's
/// buffer, so no store ever needs one array of the whole set (a .NET array stops at 2^31 bytes). Each set that uses a
/// store holds a reference to it; the last one disposed releases it (a mapped file's mapping).</summary>
internal abstract class PixelStore : IDisposable
{
    private int references = 1;

    /// <summary>The bytes of image <paramref name="index"/> (channels, rows, columns) copied into <paramref name="into"/>.</summary>
    public abstract void Read(long index, Span<byte> into);

    /// <summary>The data fingerprint, when the store knows it without reading every pixel (a prepared folder's seal).</summary>
    public virtual string? KnownFingerprint => null;

    /// <summary>This store, with one more reference to release.</summary>
    public PixelStore Share()
    {
        Interlocked.Increment(ref references);
        return this;
    }

    public void Dispose()
    {
        if (Interlocked.Decrement(ref references) == 0)
        {
            Release();
        }
    }

    /// <summary>Releases what the store holds, once no set uses it.</summary>
    protected virtual void Release()
    {
    }
}

/// <summary>Images in one array, one after the other.</summary>
internal sealed class ArrayStore(byte[] pixels, int imageBytes) : PixelStore
{
    public byte[] Pixels { get; } = pixels;

    public override void Read(long index, Span<byte> into) => Pixels.AsSpan((int)(index * imageBytes), imageBytes).CopyTo(into);
}

/// <summary>Some images of another store, by index, without copying them: <see cref="ImageSet.Take"/> and
/// <see cref="ImageSet.Select"/>.</summary>
internal sealed class ViewStore(PixelStore inner, IReadOnlyList<int> indices) : PixelStore
{
    private readonly PixelStore inner = inner.Share();

    public override void Read(long index, Span<byte> into) => inner.Read(indices[(int)index], into);

    protected override void Release() => inner.Dispose();
}
