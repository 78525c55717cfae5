using TorchSharp;
using static TorchSharp.torch;

namespace Dcgan.Data;

/// <summary>The tutorial's Dataset.from_tensor_slices(x).shuffle(60000).batch(256): a new order every epoch,
/// the last batch shorter when the count is not a multiple of the batch size.</summary>
public static class Batches
{
    public static int CountPerEpoch(long images, int batchSize) => (int)((images + batchSize - 1) / batchSize);

    /// <summary>Yields shuffled batches of <paramref name="images"/> ([N, ...]), each with its <paramref name="labels"/>
    /// ([N]) when there are labels; the order comes from <paramref name="shuffle"/>, so a saved generator state
    /// reproduces it. The first <paramref name="skip"/> batches of that order are passed over (a run resumed
    /// mid-epoch). The caller disposes each batch.</summary>
    public static IEnumerable<Batch> Shuffled(Tensor images, Tensor? labels, int batchSize, torch.Generator shuffle, int skip = 0)
    {
        long count = images.shape[0];
        using var order = torch.randperm(count, generator: shuffle);
        for (long start = (long)skip * batchSize; start < count; start += batchSize)
        {
            using var indices = order.narrow(0, start, Math.Min(batchSize, count - start));
            yield return new Batch(images.index_select(0, indices), labels?.index_select(0, indices));
        }
    }

    /// <summary>The same batches, in the same order from the same generator state, read from <paramref name="images"/>
    /// a batch at a time: only the batch becomes floats ((x - 127.5) / 127.5, as <see cref="ImageSet.ToTensor()"/>),
    /// and the next batch is read on another thread while the caller trains on this one. The order is drawn on the
    /// caller's thread when the first batch is asked for, as above, so nothing is drawn from
    /// <paramref name="shuffle"/> ahead of its time. With <paramref name="withLabels"/>, each batch carries its labels
    /// (int64). The caller disposes each batch.</summary>
    public static IEnumerable<Batch> Shuffled(ImageSet images, int batchSize, torch.Generator shuffle, int skip = 0, bool withLabels = false)
    {
        int[] order;
        using (var drawn = torch.randperm(images.Count, generator: shuffle))
        {
            order = [.. drawn.data<long>().Select(i => (int)i)];
        }
        using var reader = new BatchReader(images, withLabels ? images.Labels : null, batchSize);
        int first = skip * batchSize;
        if (first < order.Length)
        {
            reader.Begin(order, first);
        }
        for (int start = first; start < order.Length; start += batchSize)
        {
            var batch = reader.Take();
            int next = start + batchSize;
            if (next < order.Length)
            {
                reader.Begin(order, next);
            }
            yield return batch;
        }
    }
}

/// <summary>A batch of images, and their labels when there are labels.</summary>
public sealed record Batch(Tensor Images, Tensor? Labels) : IDisposable
{
    public void Dispose()
    {
        Images.Dispose();
        Labels?.Dispose();
    }
}
