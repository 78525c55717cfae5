using Dcgan.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Dcgan.Training;

/// <summary>
/// ADA's rule for the augmentation's probability (Karras et al. 2020, NVlabs/stylegan2-ada-pytorch's training loop):
/// the signs of the discriminator's logits on real images are summed as steps go; every
/// <see cref="AugmentSettings.AdjustEvery"/> steps, r = their mean is compared with the target, and p moves by the
/// images seen since the last move over the ramp (up when r is above the target, down when below), kept within [0, 1].
/// <para>Its state (p, the sum of signs and the images counted) is three float64 buffers of a module, so that a
/// checkpoint keeps it with the models and a resumed run goes on from the same p, neither at 0 nor at the start
/// (the top complaint of ADA's users, stylegan2-ada-pytorch #81). The augmentation's own draws come from the step's
/// random generator, which a checkpoint keeps too.</para>
/// </summary>
internal sealed class AdaptiveAugmentation : nn.Module
{
    private readonly Tensor p, signs, images;
    private readonly double target, ramp;

    public AdaptiveAugmentation(AugmentSettings settings) : base(nameof(AdaptiveAugmentation))
    {
        target = settings.Target ?? throw new ArgumentException("the augmentation has no target; its p does not adapt.", nameof(settings));
        ramp = settings.Ramp;
        p = torch.tensor(settings.StartP, float64);
        signs = torch.zeros([], float64);
        images = torch.zeros([], float64);
        register_buffer("p", p);
        register_buffer("signs", signs);
        register_buffer("images", images);
    }

    /// <summary>The probability now.</summary>
    public double P => p.ToDouble();

    /// <summary>Counts the signs of the discriminator's logits on a batch of real images (as it saw them, augmented).</summary>
    public void Observe(Tensor realLogits)
    {
        using var noGrad = torch.no_grad();
        using var scalars = new HeldScalars();
        using var sum = realLogits.detach().sign().sum().to(float64);
        signs.add_(sum, scalars.One);
        images.add_(scalars.Of(realLogits.shape[0]), scalars.One);
    }

    /// <summary>After the discriminator's <paramref name="steps"/>-th step: moves p when the interval is over, and
    /// starts counting anew.</summary>
    public void AdjustAfter(long steps)
    {
        double seen = images.ToDouble();
        if (steps % AugmentSettings.AdjustEvery != 0 || seen == 0)
        {
            return;
        }
        double r = signs.ToDouble() / seen;
        double moved = Math.Clamp(P + Math.Sign(r - target) * seen / ramp, 0, 1);
        using var noGrad = torch.no_grad();
        using var held = moved.ToScalar(); // held through the call (HeldScalars.cs)
        p.fill_(held);
        signs.zero_();
        images.zero_();
    }
}
