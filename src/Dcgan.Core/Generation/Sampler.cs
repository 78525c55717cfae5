using Dcgan.Data;
using Dcgan.Imaging;
using Dcgan.Models;
using TorchSharp;
using static TorchSharp.torch;
using Generator = Dcgan.Models.Generator;

namespace Dcgan.Generation;

/// <summary>New images from a generator, always in inference mode and from a seed, so the same checkpoint and seed
/// give the same output. It needs the generator only: no discriminator, no optimizers, no training state.</summary>
public static class Sampler
{
    /// <summary>How many images sampling makes at a time.</summary>
    public const int Block = 500;

    /// <summary>Images from the generator with the given batch-norm statistics (no gradients), in [-1, 1]; the model
    /// is left as it was. The caller owns the result.</summary>
    public static Tensor Generate(Generator generator, Tensor noise, BatchNormMode batchNorm = BatchNormMode.Moving)
    {
        using var mode = SamplingStatistics.Enter(generator, batchNorm);
        return GenerateAsIs(generator, noise);
    }

    /// <summary>Images from the generator as its batch norm stands (inside a <see cref="SamplingStatistics"/> scope, say),
    /// without gradients. The caller owns the result.</summary>
    public static Tensor GenerateAsIs(Generator generator, Tensor noise)
    {
        // The scope frees the layers' intermediate results now rather than whenever .NET's collector finalizes
        // them: it cannot see their native memory, and 10,000 images for an evaluation left 1.1 GB behind.
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        return generator.call(noise).MoveToOuterDisposeScope();
    }

    /// <summary><paramref name="count"/> images in [-1, 1], [count, 1, 28, 28]; the caller owns the result. Made in
    /// blocks, which keeps 10,000 images to about 100 MB of activations at a time instead of 2 GB (with moving or
    /// precise statistics the result is the same; with batch statistics each block is its own batch).</summary>
    public static Tensor Sample(Generator generator, int count, long seed, BatchNormMode batchNorm = BatchNormMode.Moving, int block = Block)
    {
        using var mode = SamplingStatistics.Enter(generator, batchNorm); // precise statistics: estimated once for all blocks
        return Sample(noise => GenerateAsIs(generator, noise), generator.Latent, count, seed, block);
    }

    /// <summary><paramref name="perCategory"/> images of each of the generator's categories, as an image set labelled with
    /// them (see the other overload).</summary>
    public static ImageSet SampleEachCategory(Generator generator, int perCategory, long seed, BatchNormMode batchNorm = BatchNormMode.Moving)
    {
        using var mode = SamplingStatistics.Enter(generator, batchNorm);
        var (images, labels) = SampleEachCategory(noise => GenerateAsIs(generator, noise), generator.Latent, perCategory, seed);
        using (images)
        {
            return ToImageSet(images).WithLabels(labels);
        }
    }

    /// <summary>The same, from any function of noise to images (an ONNX model, say) fed from <paramref name="latent"/>:
    /// the same seed gives the same noise.</summary>
    public static Tensor Sample(Func<Tensor, Tensor> draw, Latent latent, int count, long seed, int block = Block)
    {
        using var noise = Noise(latent, count, seed);
        return FromNoise(draw, noise, block);
    }

    /// <summary><paramref name="perCategory"/> images of each category of a code, labelled: the categories in turn
    /// (image i is of category i mod K), each with its own noise from <paramref name="seed"/>. The caller owns the images.</summary>
    public static (Tensor Images, byte[] Labels) SampleEachCategory(Func<Tensor, Tensor> draw, Latent latent, int perCategory, long seed,
        int block = Block)
    {
        if (latent.Categories == 0)
        {
            throw new ArgumentException("this generator has no categories to draw each of.", nameof(latent));
        }
        int count = perCategory * latent.Categories;
        using var random = new torch.Generator((ulong)seed);
        using var noise = latent.DrawInTurn(count, random);
        var labels = Enumerable.Range(0, count).Select(i => (byte)(i % latent.Categories)).ToArray();
        return (FromNoise(draw, noise, block), labels);
    }

    private static Tensor FromNoise(Func<Tensor, Tensor> draw, Tensor noise, int block)
    {
        long count = noise.shape[0];
        var parts = new List<Tensor>();
        for (long start = 0; start < count; start += block)
        {
            using var part = noise.narrow(0, start, Math.Min(block, count - start));
            parts.Add(draw(part));
        }
        var images = torch.cat(parts, 0);
        parts.ForEach(p => p.Dispose());
        return images;
    }

    /// <summary>The images as bytes (the grid's gray mapping), e.g. to write as IDX for other tools.</summary>
    public static ImageSet ToImageSet(Tensor images) =>
        new(ImageGrid.ToBytes(images), (int)images.shape[0], (int)images.shape[2], (int)images.shape[3], (int)images.shape[1]);

    /// <summary>
    /// A walk through the latent space for <paramref name="count"/> tiles at once: each tile visits
    /// <paramref name="keyframes"/> random points and returns to the first, <paramref name="steps"/> frames per leg.
    /// Points are joined by spherical interpolation (slerp), which keeps the noise at the norm the generator was
    /// trained on; a straight line would pass through unusually short vectors midway.
    /// </summary>
    public static IEnumerable<Tensor> Interpolate(Generator generator, int count, int keyframes, int steps, long seed,
        BatchNormMode batchNorm = BatchNormMode.Moving)
    {
        using var mode = SamplingStatistics.Enter(generator, batchNorm); // once for the whole walk
        foreach (var frame in Interpolate(noise => GenerateAsIs(generator, noise), generator.Latent, count, keyframes, steps, seed))
        {
            yield return frame;
        }
    }

    /// <summary>The same walk, from any function of noise to images.</summary>
    public static IEnumerable<Tensor> Interpolate(Func<Tensor, Tensor> draw, Latent latent, int count, int keyframes, int steps, long seed)
    {
        using var points = Noise(latent, count * keyframes, seed).reshape(keyframes, count, Generator.NoiseDim);
        for (int leg = 0; leg < keyframes; leg++)
        {
            using var from = points[leg];
            using var to = points[(leg + 1) % keyframes];
            for (int step = 0; step < steps; step++)
            {
                using var scope = torch.NewDisposeScope();
                var noise = Slerp(from, to, (double)step / steps);
                yield return draw(noise).MoveToOuterDisposeScope();
            }
        }
    }

    /// <summary>Row-wise spherical interpolation between [n, d] tensors.</summary>
    internal static Tensor Slerp(Tensor a, Tensor b, double t)
    {
        using var scope = torch.NewDisposeScope();
        using var scalars = new HeldScalars();
        var unitA = a / a.norm(1, keepdim: true);
        var unitB = b / b.norm(1, keepdim: true);
        var omega = (unitA * unitB).sum(1, keepdim: true).clamp(scalars.Of(-1L), scalars.Of(1L)).acos();
        var sinOmega = omega.sin();
        // Where the two points are (nearly) parallel, slerp becomes the straight line.
        var parallel = sinOmega.abs().lt(scalars.Of(1e-6));
        var wa = torch.where(parallel, torch.full_like(omega, scalars.Of(1 - t)), omega.mul(scalars.Of(1 - t)).sin() / sinOmega);
        var wb = torch.where(parallel, torch.full_like(omega, scalars.Of(t)), omega.mul(scalars.Of(t)).sin() / sinOmega);
        return scalars.Add(wa * a, wb * b).MoveToOuterDisposeScope();
    }

    private static Tensor Noise(Latent latent, int count, long seed)
    {
        using var generator = new torch.Generator((ulong)seed);
        return latent.Draw(count, generator);
    }
}
