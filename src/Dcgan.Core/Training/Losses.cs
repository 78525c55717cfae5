using Dcgan.Models;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Dcgan.Training;

/// <summary>
/// The tutorial's losses, cross_entropy = BinaryCrossentropy(from_logits=True) as generator_loss and
/// discriminator_loss, and the R1 penalty some recipes add: functions of the discriminator's logits, usable in any
/// step (the library's, or a loop of a program's own).
/// </summary>
public static class Losses
{
    /// <summary>cross_entropy(ones_like(fake_output), fake_output): the generator wants its fakes called real.</summary>
    public static Tensor GeneratorLoss(Tensor fakeOutput) =>
        binary_cross_entropy_with_logits(fakeOutput, torch.ones_like(fakeOutput));

    /// <summary>real_loss + fake_loss: real images should be called real (1, or the recipe's smoothed target),
    /// generated ones fake (0).</summary>
    public static Tensor DiscriminatorLoss(Tensor realOutput, Tensor fakeOutput, double realLabel = 1.0)
    {
        using var scalars = new HeldScalars();
        return scalars.Add(
            binary_cross_entropy_with_logits(realOutput, torch.full_like(realOutput, scalars.Of(realLabel))),
            binary_cross_entropy_with_logits(fakeOutput, torch.zeros_like(fakeOutput)));
    }

    /// <summary>R1 (Mescheder et al. 2018): <paramref name="weight"/> times the batch mean of |grad_x D(x)|^2 over
    /// the real images x, differentiable with respect to the discriminator's parameters.</summary>
    public static Tensor RealGradientPenalty(Discriminator discriminator, Tensor images, double weight) =>
        RealGradientPenalty(discriminator.call, images, weight);

    /// <summary>R1 for a discriminator given as the function from images to logits (with a label projection, of
    /// the images' labels).</summary>
    public static Tensor RealGradientPenalty(Func<Tensor, Tensor> discriminator, Tensor images, double weight)
    {
        using var scope = torch.NewDisposeScope();
        var reals = images.detach().requires_grad_(true);
        var logits = discriminator(reals);
        // create_graph makes the gradient itself differentiable; retain_graph keeps the forward pass it is made of.
        var gradient = torch.autograd.grad([logits.sum()], [reals], retain_graph: true, create_graph: true)[0];
        using var scalars = new HeldScalars();
        return gradient.pow(scalars.Of(2L)).sum([1, 2, 3]).mean().mul(scalars.Of(weight)).MoveToOuterDisposeScope();
    }
}
