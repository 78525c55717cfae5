using Dcgan.Diagnostics;
using Dcgan.Models;
using Dcgan.Training;
using TorchSharp;
using static TorchSharp.torch;
using Generator = Dcgan.Models.Generator;

namespace Dcgan.Tests;

public class TrainStepTests
{
    private static double LogSigmoid(double x) => -Math.Log(1 + Math.Exp(-x));

    [Fact]
    public void Losses_equal_binary_cross_entropy_by_hand()
    {
        float[] real = [2.0f, -0.5f, 0.1f], fake = [-1.5f, 0.3f, 3.0f];
        using var realLogits = torch.tensor(real).reshape(3, 1);
        using var fakeLogits = torch.tensor(fake).reshape(3, 1);

        // BCE(target 1) = -log sigmoid(x); BCE(target 0) = -log(1 - sigmoid(x)) = -log sigmoid(-x); means over the batch.
        double genExpected = fake.Average(x => -LogSigmoid(x));
        double discExpected = real.Average(x => -LogSigmoid(x)) + fake.Average(x => -LogSigmoid(-x));

        using var gen = Gan.GeneratorLoss(fakeLogits);
        using var disc = Gan.DiscriminatorLoss(realLogits, fakeLogits);

        Assert.Equal(genExpected, gen.item<float>(), 5);
        Assert.Equal(discExpected, disc.item<float>(), 5);
    }

    [Fact]
    public void One_step_changes_every_weight_of_both_models()
    {
        torch.manual_seed(7);
        using var gan = new Gan();
        using var images = Fixtures.Images(8).ToTensor();
        var before = gan.Generator.parameters().Concat(gan.Discriminator.parameters()).Select(p => p.detach().clone()).ToList();

        var losses = gan.TrainStep(images);

        var after = gan.Generator.parameters().Concat(gan.Discriminator.parameters()).ToList();
        Assert.Equal(before.Count, after.Count);
        for (int i = 0; i < before.Count; i++)
        {
            Assert.False(Fixtures.Identical(before[i], after[i]), $"parameter {i} did not change");
        }
        Assert.True(float.IsFinite(losses.Generator) && float.IsFinite(losses.Discriminator));
        Assert.InRange(losses.RealScore, 0f, 1f);
        Assert.InRange(losses.FakeScore, 0f, 1f);
    }

    [Theory]
    [InlineData(0)]      // logits near 0
    [InlineData(-30)]    // fakes judged fake with confidence: the generator's gradient is rescaled by e^30
    [InlineData(-100)]   // beyond the shortcut's floor: the second backward pass is made
    public void Each_model_gets_the_gradient_of_its_own_loss_only(float logitShift)
    {
        torch.manual_seed(11);
        using var gan = new Gan();
        using (torch.no_grad())
        {
            gan.Discriminator.Layers.named_children().Last().module.parameters().Last().add_(logitShift); // the bias
        }
        using var images = Fixtures.Images(6).ToTensor();
        using var noise = torch.randn(6, Generator.NoiseDim);
        var gParams = gan.Generator.parameters().ToList();
        var dParams = gan.Discriminator.parameters().ToList();

        // Reference: the tutorial's two tapes, written out with autograd.grad on one forward pass. Same seed,
        // so dropout draws the same masks as in the step under test.
        torch.manual_seed(99);
        var fakeImages = gan.Generator.call(noise);
        var realOut = gan.Discriminator.call(images);
        var fakeOut = gan.Discriminator.call(fakeImages);
        var genGrads = torch.autograd.grad([Gan.GeneratorLoss(fakeOut)], [.. gParams], retain_graph: true);
        var discGrads = torch.autograd.grad([Gan.DiscriminatorLoss(realOut, fakeOut)], [.. dParams]);

        torch.manual_seed(99);
        gan.ComputeGradients(images, noise);

        for (int i = 0; i < gParams.Count; i++)
        {
            Assert.True(gParams[i].grad!.allclose(genGrads[i], rtol: 1e-4, atol: 1e-6), $"generator parameter {i}");
        }
        for (int i = 0; i < dParams.Count; i++)
        {
            Assert.True(dParams[i].grad!.allclose(discGrads[i], rtol: 1e-4, atol: 1e-6), $"discriminator parameter {i}");
        }
    }

    [Fact]
    public void Optimizers_are_keras_adam()
    {
        using var gan = new Gan();
        foreach (var optimizer in new[] { gan.GeneratorOptimizer, gan.DiscriminatorOptimizer })
        {
            var group = optimizer.ParamGroups.Single();
            Assert.Equal(1e-4, group.LearningRate);
            var options = (TorchSharp.Modules.Adam.Options)((TorchSharp.Modules.ParamGroup)group).Options;
            Assert.Equal((0.9, 0.999, 1e-7), (options.beta1!.Value, options.beta2!.Value, options.eps!.Value));
        }
    }

    [Fact]
    public void Bf16_keeps_float32_weights_and_gradients_and_computes_in_bf16()
    {
        torch.manual_seed(5);
        using var fp32 = new Gan();
        torch.manual_seed(5);
        using var bf16 = new Gan(Precision.Bf16);
        using var images = Fixtures.Images(16).ToTensor();
        using var noise = torch.randn(16, Generator.NoiseDim);

        var losses = bf16.ComputeGradients(images, noise);

        Assert.True(float.IsFinite(losses.Generator) && float.IsFinite(losses.Discriminator));
        foreach (var p in bf16.Generator.parameters().Concat(bf16.Discriminator.parameters()))
        {
            Assert.Equal(ScalarType.Float32, p.dtype);
            Assert.Equal(ScalarType.Float32, p.grad!.dtype);
        }
        using var imagesFp32 = fp32.Generate(noise);
        using var imagesBf16 = bf16.Generate(noise);
        Assert.Equal(ScalarType.Float32, imagesBf16.dtype);
        Assert.False(Fixtures.Identical(imagesFp32, imagesBf16), "bf16 did compute in bf16");
    }

    /// <summary>How close bf16 is, is asked of float64, layer by layer (not of the float32 kernels, which are wrong
    /// on some CPUs, nor of the whole model, where batch norm magnifies rounding differently from kernel to kernel).
    /// Where a bf16 kernel is wrong on this CPU, the self-check refuses it: the tool never trains on it.</summary>
    [Fact]
    public void Bf16_layers_agree_with_float64_to_bf16_rounding_or_the_self_check_refuses_them()
    {
        var checks = KernelCheck.Run(Precision.Bf16, [new CheckedBatch(16, true, "test")]);

        var bf16Layers = checks.Where(c => c.Precision == Precision.Bf16).Select(c => $"{c.Model} {c.Layer}");
        Assert.Equal(["Generator deconv3", "Generator deconv4", "Discriminator conv1", "Discriminator conv2"], bf16Layers);
        if (checks.All(c => c.Passed))
        {
            // Rounded to bf16 (8 bits of mantissa: errors near 2^-9 of the values), not computed in float32.
            Assert.All(checks.Where(c => c.Precision == Precision.Bf16), c => Assert.InRange(c.MaxError, 1e-4, KernelCheck.Bf16Tolerance));
        }
        else
        {
            var refusal = Assert.Throws<WrongArithmeticException>(() => KernelCheck.EnsurePassed(checks));
            Assert.Contains("fp32 precision", refusal.Message);
        }
    }
}
