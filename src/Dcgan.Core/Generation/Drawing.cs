using Dcgan.Imaging;
using Dcgan.IO;
using Dcgan.Models;
using Dcgan.Training;
using static TorchSharp.torch;

namespace Dcgan.Generation;

/// <summary>
/// Pictures of new digits, as 'dcgan generate' and the playground of 'dcgan serve' draw them: the same generator,
/// batch-norm statistics, noise and picture for the same choices, so the same seed gives the same bytes in both.
/// </summary>
public sealed class Drawing : IDisposable
{
    /// <summary>The random points a walk passes through.</summary>
    public const int WalkKeyframes = 4;

    private readonly Func<Tensor, Tensor> draw;
    private readonly IDisposable? statistics;

    private Drawing(Func<Tensor, Tensor> draw, Latent latent, IDisposable? statistics)
    {
        (this.draw, Latent, this.statistics) = (draw, latent, statistics);
    }

    /// <summary>What the generator is fed: noise, and a category first for a recipe with a code.</summary>
    public Latent Latent { get; }

    /// <summary>A checkpoint's generator: the weights asked for (null: the recipe's choice), with the batch-norm
    /// statistics asked for (null: the recipe's), set once for every picture drawn until disposed.</summary>
    public static Drawing From(TrainedModels models, SamplingWeights? weights, BatchNormMode? batchNorm)
    {
        var generator = models.Weights(weights);
        var statistics = SamplingStatistics.Enter(generator, batchNorm ?? models.Recipe.SamplingBatchNorm);
        return new Drawing(noise => Sampler.GenerateAsIs(generator, noise), generator.Latent, statistics);
    }

    /// <summary>Any function of noise to images (an ONNX model's, say).</summary>
    public static Drawing From(Func<Tensor, Tensor> draw, Latent latent) => new(draw, latent, null);

    /// <summary>Only category <paramref name="category"/> of the code (null: every one, in turn when drawn).</summary>
    public Latent In(int? category) => category is { } only ? Latent.InCategory(only) : Latent;

    /// <summary><paramref name="count"/> images [N, 1, 28, 28] for a seed.</summary>
    public Tensor Sample(int? category, int count, long seed) => Sampler.Sample(draw, In(category), count, seed);

    /// <summary>The grid PNG of <see cref="Sample"/>.</summary>
    public byte[] GridPng(int? category, int count, long seed, int columns)
    {
        using var samples = Sample(category, count, seed);
        return ImageGrid.EncodePng(samples, columns);
    }

    /// <summary><see cref="GridPng"/> written to <paramref name="path"/> atomically: a file there is whole, old or new.</summary>
    public void SaveGridPng(string path, int? category, int count, long seed, int columns)
    {
        byte[] png = GridPng(category, count, seed, columns);
        AtomicFile.Write(path, stream => stream.Write(png));
    }

    /// <summary><see cref="WalkGif"/> written to <paramref name="path"/> atomically.</summary>
    public void SaveWalkGif(string path, int? category, int count, int steps, long seed, int columns)
    {
        byte[] gif = WalkGif(category, count, steps, seed, columns);
        AtomicFile.Write(path, stream => stream.Write(gif));
    }

    /// <summary>A GIF of <paramref name="count"/> digits walking through <see cref="WalkKeyframes"/> random points,
    /// <paramref name="steps"/> frames between two.</summary>
    public byte[] WalkGif(int? category, int count, int steps, long seed, int columns, int delay = 8)
    {
        var frames = Sampler.Interpolate(draw, In(category), count, WalkKeyframes, steps, seed).Select(images =>
        {
            using (images)
            {
                return ImageGrid.Render(images, columns);
            }
        });
        return AnimatedGif.Encode(frames, delay);
    }

    public void Dispose() => statistics?.Dispose();
}
