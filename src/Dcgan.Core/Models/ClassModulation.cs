using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Dcgan.Models;

/// <summary>
/// The class-dependent part of a conditional batch norm (de Vries et al. 2017; Miyato and Koyama 2018's generator):
/// after the tutorial's BatchNormalization, each channel c of an image of category k is scaled by 1 + gain[k, c] and
/// shifted by shift[k, c]. Both start at zero, so an untrained generator is the tutorial's; the batch statistics and
/// the shared scale and shift stay the batch norm's own.
/// </summary>
internal sealed class ClassModulation : Module<Tensor, Tensor, Tensor>
{
    public ClassModulation(int categories, int channels) : base(nameof(ClassModulation))
    {
        gain = Parameter(torch.zeros(categories, channels));
        shift = Parameter(torch.zeros(categories, channels));
        RegisterComponents();
    }

    private readonly Parameter gain;
    private readonly Parameter shift;

    /// <summary>[K, C]: each category's change of each channel's scale (export reads it).</summary>
    public Tensor Gain => gain;

    /// <summary>[K, C]: each category's shift of each channel.</summary>
    public Tensor Shift => shift;

    /// <summary><paramref name="normalized"/> [B, C] or [B, C, H, W], modulated by the one-hot
    /// <paramref name="categories"/> [B, K].</summary>
    public override Tensor forward(Tensor normalized, Tensor categories)
    {
        using var scope = torch.NewDisposeScope();
        using var scalars = new HeldScalars();
        var shape = normalized.dim() == 4 ? new long[] { -1, normalized.shape[1], 1, 1 } : [-1, normalized.shape[1]];
        var scale = categories.matmul(gain).add_(scalars.Of(1L), scalars.One).view(shape);
        var offset = categories.matmul(shift).view(shape);
        return normalized.mul(scale).add_(offset, scalars.One).MoveToOuterDisposeScope();
    }
}
