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
    public void Bf16_keeps_float32_weights_and_gradients_and_stays_close_to_fp32()
    {
        torch.manual_seed(5);
        using var fp32 = new Gan();
        torch.manual_seed(5);
        using var bf16 = new Gan(Precision.Bf16);
        using var images = Fixtures.Images(16).ToTensor();
        using var noise = torch.randn(16, Generator.NoiseDim);

        torch.manual_seed(9); // the same dropout masks for both
        var exact = fp32.ComputeGradients(images, noise);
        torch.manual_seed(9);
        var mixed = bf16.ComputeGradients(images, noise);

        Assert.Equal(exact.Generator, mixed.Generator, 2);
        Assert.Equal(exact.Discriminator, mixed.Discriminator, 2);
        var pairs = fp32.Generator.parameters().Concat(fp32.Discriminator.parameters())
            .Zip(bf16.Generator.parameters().Concat(bf16.Discriminator.parameters())).ToList();
        foreach (var (a, b) in pairs)
        {
            Assert.Equal(ScalarType.Float32, b.dtype);
            Assert.Equal(ScalarType.Float32, b.grad!.dtype);
            // bf16 keeps 8 bits of mantissa: each gradient points the same way, to within a few parts in a thousand.
            double cosine = nn.functional.cosine_similarity(a.grad!.flatten(), b.grad!.flatten(), 0).item<float>();
            Assert.True(cosine > 0.99, $"gradient of a {string.Join("x", a.shape)} parameter: cosine {cosine:F4}");
        }
        using var imagesFp32 = fp32.Generate(noise);
        using var imagesBf16 = bf16.Generate(noise);
        Assert.True((imagesFp32 - imagesBf16).abs().max().item<float>() < 0.05f);
        Assert.False(Fixtures.Identical(imagesFp32, imagesBf16), "bf16 did compute in bf16");
    }
}
