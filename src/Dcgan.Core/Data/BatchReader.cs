using TorchSharp;

namespace Dcgan.Data;

/// <summary>Reads one batch ahead: <see cref="Begin"/> starts reading a batch's images (and labels) into a buffer on
/// another thread, <see cref="Take"/> waits for it and makes the batch's tensors from the buffer. One buffer serves
/// every batch: it is copied into the tensors before the next batch is begun. A failure while reading (a damaged
/// prepared file) is thrown by <see cref="Take"/>, on the caller's thread.</summary>
internal sealed class BatchReader(ImageSet images, byte[]? labels, int batchSize) : IDisposable
{
    private readonly float[] floats = new float[(long)batchSize * images.ImageBytes];
    private readonly long[] batchLabels = new long[batchSize];
    private Task<int>? reading;

    /// <summary>Starts reading the batch of up to batchSize images at <paramref name="order"/>[<paramref name="start"/>..].</summary>
    public void Begin(int[] order, int start)
    {
        int count = Math.Min(batchSize, order.Length - start);
        reading = Task.Run(() =>
        {
            var indices = order.AsSpan(start, count);
            images.CopyFloats(indices, floats);
            for (int i = 0; labels is not null && i < count; i++)
            {
                batchLabels[i] = labels[indices[i]];
            }
            return count;
        });
    }

    /// <summary>The batch begun last, as tensors: [n, channels, rows, columns] floats, and [n] int64 labels.</summary>
    public Batch Take()
    {
        int count = reading!.GetAwaiter().GetResult();
        reading = null;
        var shape = new long[] { count, images.Channels, images.Rows, images.Columns };
        // torch.tensor copies the array, so the buffer is free for the next batch once this returns.
        var tensor = torch.tensor(count == batchSize ? floats : floats[..(count * images.ImageBytes)], shape);
        return new Batch(tensor, labels is null ? null : torch.tensor(batchLabels[..count]));
    }

    /// <summary>Waits for a batch still being read (the caller stopped early), so that the buffer is not written
    /// after this; what it failed with no longer matters.</summary>
    public void Dispose()
    {
        try
        {
            reading?.Wait();
        }
        catch (AggregateException)
        {
        }
    }
}
