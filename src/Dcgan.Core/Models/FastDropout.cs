using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Dcgan.Models;

/// <summary>
/// Dropout exactly as torch's (in training, each value is kept with probability 1 - p and scaled by 1 / (1 - p);
/// in inference, the identity), with its mask drawn as uniform &lt; 1 - p: libtorch's bernoulli_ is several times slower
/// than uniform numbers and a compare (docs/performance.md has the measurement).
/// </summary>
internal sealed class FastDropout : Module<Tensor, Tensor>
{
    private readonly double keep;

    public FastDropout(double p) : base(nameof(FastDropout))
    {
        if (p is < 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(p), "A dropout rate lies in [0, 1).");
        }
        keep = 1 - p;
    }

    public override Tensor forward(Tensor input)
    {
        if (!training || keep == 1)
        {
            return input.alias();
        }
        using var keepScalar = keep.ToScalar(); // held through the calls (HeldScalars.cs)
        using var mask = torch.rand_like(input).lt_(keepScalar); // 1.0 where kept, 0.0 where dropped
        mask.div_(keepScalar);
        return input * mask;
    }
}
