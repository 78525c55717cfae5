using Dcgan.Export.Onnx;
using Dcgan.Generation;
using Dcgan.Models;
using Dcgan.Training;
using TorchSharp;
using static TorchSharp.torch;
using Generator = Dcgan.Models.Generator;

namespace Dcgan.Tests;

/// <summary>How labels condition the models: the projection discriminator, conditional batch norm, and an AC-GAN
/// head that learns from real images only, each against its formula written out.</summary>
public class ConditioningTests
{
    /// <summary>The tutorial's models with a code of the ten labels, without dropout, so a reference pass sees the same network.</summary>
    private static readonly Recipe Labelled = Recipe.Tutorial with { CodeCategories = 10, CodeFromLabels = true, DiscriminatorDropout = 0 };


    [Theory]
    [InlineData(0)]
    [InlineData(-100)] // beyond the gradient shortcut's floor
    public void The_projection_discriminator_adds_the_label_embeddings_inner_product_to_the_logit_and_to_R1(float logitShift)
    {
        var recipe = Labelled with { CodeWeight = 0, LabelProjection = true, R1Gamma = 0.5, R1Every = 4 };
        using var gan = TrainStepTests.InFloat64(recipe, 5);
        Assert.Null(gan.CodeHead);
        using (torch.no_grad())
        {
            Assert.Equal(0, gan.LabelEmbedding!.weight!.abs().max().item<double>()); // it starts as the tutorial's discriminator
            gan.LabelEmbedding.weight!.normal_(0, 0.01);
            gan.Discriminator.Layers.named_children().Last().module.parameters().Last().add_(logitShift);
        }
        using var images = Fixtures.Images(6).ToTensor().to(ScalarType.Float64);
        using var noise = recipe.Latent.Draw(6).to(ScalarType.Float64);
        using var labels = torch.tensor(new long[] { 3, 1, 4, 1, 5, 9 });
        var gParams = gan.Generator.parameters().ToList();
        var dParams = gan.Discriminator.parameters().Concat(gan.LabelEmbedding.parameters()).ToList();

        // Reference: D(x, y) = Dense(phi(x)) + <E[y], phi(x)>, the tutorial's losses on it, and R1 on D(x, y) of the reals.
        Tensor Logit(Tensor x, Tensor y)
        {
            var features = gan.Discriminator.Features(x);
            return gan.Discriminator.Judge(features) + (gan.LabelEmbedding.weight!.index_select(0, y) * features).sum(1, keepdim: true);
        }
        var fakes = gan.Generator.call(noise);
        var fakeCategories = noise.narrow(1, 0, 10).argmax(1);
        var realOut = Logit(images, labels);
        var fakeOut = Logit(fakes, fakeCategories);
        var genGrads = torch.autograd.grad([Losses.GeneratorLoss(fakeOut)], [.. gParams], retain_graph: true);
        var reals = images.detach().requires_grad_(true);
        var slope = torch.autograd.grad([Logit(reals, labels).sum()], [reals], retain_graph: true, create_graph: true)[0];
        var r1 = slope.square().sum([1, 2, 3]).mean() * (0.5 / 2 * 4);
        var discGrads = torch.autograd.grad([Losses.DiscriminatorLoss(realOut, fakeOut) + r1], [.. dParams]);

        Assert.True(gan.RealGradientPenaltyDue);
        gan.ComputeGradients(images, noise, labels);

        TrainStepTests.AssertGradients(gParams, genGrads, "generator parameter");
        TrainStepTests.AssertGradients(dParams, discGrads, "discriminator or label embedding parameter");
        Assert.True(gan.LabelEmbedding.weight!.grad!.abs().max().item<double>() > 0);
    }

    [Fact]
    public void An_ac_gan_head_that_learns_from_real_images_only_still_teaches_the_generator_its_class()
    {
        var recipe = Labelled with { CodeWeight = 0.7, CodeHeadOnFakes = false };
        using var gan = TrainStepTests.InFloat64(recipe, 8);
        using var images = Fixtures.Images(6).ToTensor().to(ScalarType.Float64);
        using var noise = recipe.Latent.Draw(6).to(ScalarType.Float64);
        using var labels = torch.tensor(new long[] { 0, 2, 2, 7, 8, 9 });
        var gParams = gan.Generator.parameters().ToList();
        var dParams = gan.Discriminator.parameters().Concat(gan.CodeHead!.parameters()).ToList();

        var fakes = gan.Generator.call(noise);
        var realFeatures = gan.Discriminator.Features(images);
        var fakeFeatures = gan.Discriminator.Features(fakes);
        var fakeOut = gan.Discriminator.Judge(fakeFeatures);
        var fakeCode = nn.functional.cross_entropy(gan.CodeHead.call(fakeFeatures), recipe.Latent.CategoriesOf(noise)) * 0.7;
        var realCode = nn.functional.cross_entropy(gan.CodeHead.call(realFeatures), labels) * 0.7;
        var genGrads = torch.autograd.grad([Losses.GeneratorLoss(fakeOut) + fakeCode], [.. gParams], retain_graph: true);
        // The discriminator's side: the adversarial loss and the real images' labels, not the fakes' categories.
        var discGrads = torch.autograd.grad([Losses.DiscriminatorLoss(gan.Discriminator.Judge(realFeatures), fakeOut) + realCode], [.. dParams]);

        gan.ComputeGradients(images, noise, labels);

        TrainStepTests.AssertGradients(gParams, genGrads, "generator parameter");
        TrainStepTests.AssertGradients(dParams, discGrads, "discriminator or code head parameter");
    }

    [Fact]
    public void Class_modulation_scales_and_shifts_each_channel_by_its_categorys_row()
    {
        using var modulation = new ClassModulation(2, 3);
        using (torch.no_grad())
        {
            modulation.Gain.copy_(torch.tensor(new float[] { 0.5f, -1, 0, 2, 0, 1 }).view(2, 3));
            modulation.Shift.copy_(torch.tensor(new float[] { 1, 2, 3, -1, -2, -3 }).view(2, 3));
        }
        using var x = torch.tensor(new float[] { 1, 2, 3, 4, 5, 6 }).view(2, 3, 1, 1);
        using var categories = torch.tensor(new float[] { 0, 1, 1, 0 }).view(2, 2); // image 0 is of category 1, image 1 of 0

        using var y = modulation.call(x, categories);

        // Image 0: (1, 2, 3) * (1 + (2, 0, 1)) + (-1, -2, -3); image 1: (4, 5, 6) * (1 + (0.5, -1, 0)) + (1, 2, 3).
        Assert.Equal(new float[] { 2, 0, 3, 7, 2, 9 }, y.data<float>().ToArray());
    }

    [Fact]
    public void An_untrained_generator_with_conditional_batch_norm_is_the_tutorials_and_exports_to_onnx()
    {
        using var dir = new TempFolder();
        var latent = new Latent(10);
        using var plain = Generator.Tutorial(latent);
        using var conditional = Generator.Tutorial(latent, classBatchNorm: true);
        using (torch.no_grad())
        {
            foreach (var (name, tensor) in plain.state_dict())
            {
                conditional.state_dict()[name].copy_(tensor);
            }
        }
        using var noise = latent.Draw(7);
        using var same = Sampler.Generate(conditional, noise);
        using var expected = Sampler.Generate(plain, noise);
        Assert.True(Fixtures.Identical(same, expected));

        using (torch.no_grad())
        {
            foreach (var bn in new[] { "bn1", "bn2", "bn3" })
            {
                conditional.ModulationAfter(bn)!.Gain.normal_(0, 0.3);
                conditional.ModulationAfter(bn)!.Shift.normal_(0, 0.3);
            }
        }
        string path = dir.File("g.onnx");
        OnnxExport.WriteGenerator(conditional, BatchNormMode.Moving, path, new Dictionary<string, string>());
        using var onnx = OnnxGenerator.Load(path);
        using var fromTorch = Sampler.Generate(conditional, noise);
        using var fromOnnx = onnx.Generate(noise);

        Assert.False(Fixtures.Identical(fromTorch, expected)); // the modulation changes the images
        double error = (fromTorch - fromOnnx).abs().max().item<float>();
        Assert.True(error <= 1e-4, $"max difference {error:E2}");
    }
}
