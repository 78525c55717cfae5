using TorchSharp;
using static TorchSharp.torch;

namespace Dcgan.Models;

/// <summary>
/// Numbers handed to libtorch as <see cref="Scalar"/>s, each kept alive until this is disposed.
/// </summary>
/// <remarks>
/// TorchSharp 0.107 passes a Scalar's native pointer to libtorch and does not keep the Scalar itself alive through the
/// call. A Scalar made by an implicit conversion (<c>x.mul(0.5)</c>) is garbage from that moment; a collection started
/// by another thread (the batch reader's, the console's progress bars) can finalize it, freeing its native value, while
/// libtorch still reads it. The run then stops with "Unknown scalar type" or "Expected false to be true" (c10::Scalar
/// on freed memory), now and then: seen at a run's first step and after 95 epochs. So this library never converts a
/// number to a Scalar implicitly (the build bans it: BannedSymbols.txt);
/// it holds each one here, or in a <c>using</c> Scalar, until the call has returned, and calls no TorchSharp method
/// that makes one of its own (BannedSymbols.txt, listed by build/scalar-temporaries.cs; Adam's step is
/// KerasAdam.StepHoldingScalars). TorchSharp's LeakyReLU and BatchNorm modules make one in each forward pass, out of
/// the analyzer's sight behind the virtual call: the models run their layers through <see cref="Call"/>, which does
/// what those two forwards do with held Scalars.
/// </remarks>
internal sealed class HeldScalars : IDisposable
{
    private readonly List<Scalar> held = [];

    /// <summary>A floating-point Scalar, held until <see cref="Dispose"/>.</summary>
    public Scalar Of(double value) => Hold(value.ToScalar());

    /// <summary>An integer Scalar (an index, a count, a class), held until <see cref="Dispose"/>.</summary>
    public Scalar Of(long value) => Hold(value.ToScalar());

    /// <summary>1, as add's alpha: TorchSharp's add without one makes an implicit Scalar 1.</summary>
    public Scalar One => Of(1L);

    /// <summary>a + b. TorchSharp's + (and add without an alpha) makes an implicit Scalar 1 for add's alpha.</summary>
    public Tensor Add(Tensor a, Tensor b) => a.add(b, One);

    /// <summary>torch.arange(stop): 0, 1, ... stop - 1. TorchSharp's arange(stop) makes implicit Scalars for the
    /// start and step.</summary>
    public Tensor Range(long stop, ScalarType? dtype = null, Device? device = null) => torch.arange(Of(0L), Of(stop), Of(1L), dtype, device);

    /// <summary><paramref name="layer"/>.call(<paramref name="x"/>), except that a LeakyReLU or a batch norm is
    /// computed here as its TorchSharp forward computes it (the same kernels, so the same bytes), with its Scalars
    /// held.</summary>
    public static Tensor Call(nn.Module<Tensor, Tensor> layer, Tensor x)
    {
        switch (layer)
        {
            case TorchSharp.Modules.LeakyReLU leaky:
                using (var slope = leaky.negative_slope.ToScalar())
                {
                    return leaky.inplace ? x.leaky_relu_(slope).alias() : x.leaky_relu(slope);
                }
            case TorchSharp.Modules.BatchNorm norm:
                return BatchNorm(norm, x);
            default:
                return layer.call(x);
        }
    }

    /// <summary>TorchSharp's BatchNorm.forward, which counts batches with an implicit Scalar 1.</summary>
    private static Tensor BatchNorm(TorchSharp.Modules.BatchNorm norm, Tensor x)
    {
        double factor = norm.momentum ?? 0.0;
        if (norm.training && norm.track_running_stats && norm.num_batches_tracked is { } batches)
        {
            using (var one = 1L.ToScalar())
            {
                batches.add_(one, one);
            }
            factor = norm.momentum ?? 1.0 / (double)batches;
        }
        bool statistics = !norm.training || norm.track_running_stats;
        return nn.functional.batch_norm(x, statistics ? norm.running_mean : null, statistics ? norm.running_var : null, norm.weight, norm.bias,
            norm.training || norm.running_mean is null && norm.running_var is null, factor, norm.eps);
    }

    private Scalar Hold(Scalar scalar)
    {
        held.Add(scalar);
        return scalar;
    }

    public void Dispose()
    {
        foreach (var scalar in held)
        {
            scalar.Dispose();
        }
        held.Clear();
    }
}
