using Dcgan.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Generator = Dcgan.Models.Generator;

namespace Dcgan.Generation;

/// <summary>
/// Puts a generator's batch norm into a sampling mode for as long as the scope lasts, and afterwards back as it was:
/// training mode or not, and the moving statistics themselves, so sampling never changes a model that is being
/// trained or saved.
/// </summary>
internal sealed class SamplingStatistics : IDisposable
{
    /// <summary>Batches of noise (of <see cref="PreciseBatchSize"/>) that precise statistics are averaged over.</summary>
    public const int PreciseBatches = 16, PreciseBatchSize = 256;

    private readonly Generator generator;
    private readonly bool wasTraining;
    private readonly List<(NormBase Layer, double? Momentum, Tensor Mean, Tensor Variance, Tensor Batches)> saved = [];

    private SamplingStatistics(Generator generator, BatchNormMode mode, long seed)
    {
        this.generator = generator;
        wasTraining = generator.training;
        foreach (var layer in generator.modules().OfType<NormBase>())
        {
            saved.Add((layer, layer.momentum, layer.running_mean!.clone(), layer.running_var!.clone(), layer.num_batches_tracked!.clone()));
        }
        if (mode == BatchNormMode.Precise)
        {
            Reestimate(seed);
        }
        generator.train(mode == BatchNormMode.Batch);
    }

    /// <summary>Enters <paramref name="mode"/>; dispose to leave it.</summary>
    public static SamplingStatistics Enter(Generator generator, BatchNormMode mode, long seed = 0) => new(generator, mode, seed);

    /// <summary>Resets the moving statistics and averages them evenly (momentum null: a cumulative average) over
    /// batches of noise from a generator seeded with <paramref name="seed"/>.</summary>
    private void Reestimate(long seed)
    {
        using var noGrad = torch.no_grad();
        using var random = new torch.Generator((ulong)seed);
        foreach (var (layer, _, _, _, _) in saved)
        {
            layer.ResetStatistics();
            layer.momentum = null;
        }
        generator.train();
        for (int i = 0; i < PreciseBatches; i++)
        {
            using var scope = torch.NewDisposeScope();
            generator.call(generator.Latent.Draw(PreciseBatchSize, random));
        }
    }

    public void Dispose()
    {
        using var noGrad = torch.no_grad();
        foreach (var (layer, momentum, mean, variance, batches) in saved)
        {
            layer.running_mean!.copy_(mean);
            layer.running_var!.copy_(variance);
            layer.num_batches_tracked!.copy_(batches);
            layer.momentum = momentum;
            mean.Dispose();
            variance.Dispose();
            batches.Dispose();
        }
        generator.train(wasTraining);
    }
}

internal static class NormBaseExtensions
{
    /// <summary>Zero means, unit variances, no batches seen; the learned scale and shift stay.</summary>
    public static void ResetStatistics(this NormBase layer)
    {
        using var noGrad = torch.no_grad();
        layer.running_mean!.zero_();
        using var one = 1L.ToScalar(); // held through the call (Models/HeldScalars.cs)
        layer.running_var!.fill_(one);
        layer.num_batches_tracked!.zero_();
    }
}
