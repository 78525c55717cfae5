using Dcgan.Diagnostics;
using Dcgan.Generation;
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

        using var gen = Losses.GeneratorLoss(fakeLogits);
        using var disc = Losses.DiscriminatorLoss(realLogits, fakeLogits);

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

    /// <summary>A pair whose models compute in float64, with the weights torch draws after manual_seed(seed): the
    /// oracle that the fused step is checked against (float64's rounding is far below what the tests allow).</summary>
    internal static Gan InFloat64(Recipe recipe, long seed)
    {
        torch.manual_seed(seed);
        var generator = recipe.NewGenerator();
        var discriminator = recipe.NewDiscriminator();
        generator.to(ScalarType.Float64);
        discriminator.to(ScalarType.Float64);
        return new Gan(generator, discriminator, recipe);
    }

    /// <summary>The tutorial's two tapes, written out with autograd.grad on one forward pass, against the library's
    /// fused step (one backward pass through the discriminator), in float64. Same seed, so dropout draws the same
    /// masks in both.</summary>
    [Theory]
    [InlineData(0, false)]      // logits near 0
    [InlineData(-30, false)]    // fakes judged fake with confidence: the generator's gradient is rescaled by e^30
    [InlineData(-100, false)]   // beyond the shortcut's floor: the second backward pass is made
    [InlineData(0, true)]       // the paper's models: batch norm ties each image's logit to the others'
    [InlineData(-30, true)]
    public void Each_model_gets_the_gradient_of_its_own_loss_only(float logitShift, bool paper)
    {
        var recipe = paper ? Recipe.Named("dcgan").For(new Models.ImageShape(3, 16)) : Recipe.Tutorial;
        using var gan = InFloat64(recipe, 11);
        using (torch.no_grad())
        {
            // The last layer's bias (the tutorial's), or its weights scaled (the paper's has none): logits far below 0.
            var last = gan.Discriminator.Layers.named_children().Last().module.parameters().Last();
            _ = paper ? last.mul_(1 + Math.Abs(logitShift)) : last.add_(logitShift);
        }
        using var images = paper ? (torch.rand(6, 3, 16, 16, dtype: ScalarType.Float64) * 2 - 1) : Fixtures.Images(6).ToTensor().to(ScalarType.Float64);
        using var noise = torch.randn(6, Generator.NoiseDim, dtype: ScalarType.Float64);
        var gParams = gan.Generator.parameters().ToList();
        var dParams = gan.Discriminator.parameters().ToList();

        torch.manual_seed(99);
        var fakeImages = gan.Generator.call(noise);
        var realOut = gan.Discriminator.call(images);
        var fakeOut = gan.Discriminator.call(fakeImages);
        var genGrads = torch.autograd.grad([Losses.GeneratorLoss(fakeOut)], [.. gParams], retain_graph: true);
        var discGrads = torch.autograd.grad([Losses.DiscriminatorLoss(realOut, fakeOut)], [.. dParams]);

        torch.manual_seed(99);
        gan.ComputeGradients(images, noise);

        AssertGradients(gParams, genGrads, "generator parameter");
        AssertGradients(dParams, discGrads, "discriminator parameter");
    }

    /// <summary>The library's two steps, the tutorial's as written (<see cref="Gan.TrainStepAsTutorial"/>) and the
    /// fused one (<see cref="Gan.TrainStep"/>), give the same update: in float64, the same weights and Adam states
    /// after three steps, to 1e-12 of each weight (the fused step rescales the gradient at the fakes instead of a second
    /// backward pass, which rounds differently).</summary>
    [Theory]
    [InlineData("tutorial")]
    [InlineData("improved")] // R1 every 16 steps (the first step adds it), a moving average, no dropout
    [InlineData("dcgan")]    // the paper's models, at 16x16 colour
    [InlineData("tutorial", true)] // every image the discriminator sees augmented: the shortcut at the fakes still holds
    [InlineData("improved", true)] // and R1 takes its second derivative through the augmentation
    [InlineData("dcgan", true)]
    public void The_tutorials_step_as_written_and_the_fused_step_give_the_same_update(string name, bool augment = false)
    {
        var recipe = name == "dcgan" ? Recipe.Named(name).For(new Models.ImageShape(3, 16)) with { Width = 8 } : Recipe.Named(name);
        recipe = augment ? recipe with { Augment = new("color,translation,cutout", 0.7) } : recipe;
        using var asWritten = InFloat64(recipe, 21);
        using var fused = InFloat64(recipe, 21);
        using var images = name == "dcgan" ? torch.rand(8, 3, 16, 16, dtype: ScalarType.Float64) * 2 - 1 : Fixtures.Images(8).ToTensor().to(ScalarType.Float64);

        for (int step = 0; step < 3; step++)
        {
            torch.manual_seed(100 + step);
            var a = asWritten.TrainStepAsTutorial(images);
            torch.manual_seed(100 + step);
            var b = fused.TrainStep(images);
            Assert.Equal(a.Generator, b.Generator, 1e-6);
            Assert.Equal(a.Discriminator, b.Discriminator, 1e-6);
        }

        var weights = asWritten.Generator.parameters().Concat(asWritten.Discriminator.parameters())
            .Zip(fused.Generator.parameters().Concat(fused.Discriminator.parameters())).ToList();
        Assert.All(weights, w => Assert.True(w.First.allclose(w.Second, rtol: 1e-12, atol: 1e-12)));
        Assert.Equal(3, fused.GeneratorOptimizer.StepsTaken);
        if (augment)
        {
            // The same steps without the augmentation end elsewhere: the discriminator did see augmented images.
            using var plain = InFloat64(recipe with { Augment = null }, 21);
            for (int step = 0; step < 3; step++)
            {
                torch.manual_seed(100 + step);
                plain.TrainStep(images);
            }
            Assert.False(plain.Discriminator.parameters().Zip(fused.Discriminator.parameters()).All(p => p.First.allclose(p.Second, rtol: 1e-6, atol: 1e-9)));
        }
        using var start = InFloat64(recipe, 21);
        var moved = start.Generator.parameters().Concat(start.Discriminator.parameters()).Zip(weights, (s, w) => !Fixtures.Identical(s, w.First));
        Assert.All(moved, Assert.True); // the steps changed every weight
    }

    /// <summary>pytorch/examples' step (a recipe with discriminator_first) against its dcgan/main.py written out in
    /// float64 with libtorch's own Adam: D updated on the reals and the fakes, then G through the updated D on the same
    /// fakes. The same weights after three steps, and not those of the tutorial's one-pass step from the same start.</summary>
    [Fact]
    public void Updating_the_discriminator_first_is_pytorch_examples_step()
    {
        var recipe = Recipe.Named("dcgan").For(new Models.ImageShape(3, 16)) with { Width = 8, DiscriminatorFirst = true };
        using var gan = InFloat64(recipe, 31);
        using var oracle = InFloat64(recipe, 31);
        using var onePass = InFloat64(recipe with { DiscriminatorFirst = false }, 31);
        using var images = torch.rand(8, 3, 16, 16, dtype: ScalarType.Float64) * 2 - 1;
        var optimizerD = torch.optim.Adam(oracle.Discriminator.parameters(), lr: 2e-4, beta1: 0.5, beta2: 0.999, eps: 1e-8);
        var optimizerG = torch.optim.Adam(oracle.Generator.parameters(), lr: 2e-4, beta1: 0.5, beta2: 0.999, eps: 1e-8);
        oracle.Generator.train();
        oracle.Discriminator.train();

        for (int step = 0; step < 3; step++)
        {
            using (var random = new torch.Generator((ulong)(100 + step)))
            {
                gan.TrainStep(images, random: random);
            }
            using (var random = new torch.Generator((ulong)(100 + step)))
            {
                onePass.TrainStep(images, random: random);
            }
            using var scope = torch.NewDisposeScope();
            using var drawn = new torch.Generator((ulong)(100 + step));
            var fake = oracle.Generator.call(recipe.Latent.Draw(8, drawn).to(ScalarType.Float64));
            optimizerD.zero_grad();
            var errD = Losses.DiscriminatorLoss(oracle.Discriminator.call(images), oracle.Discriminator.call(fake.detach()));
            errD.backward();
            optimizerD.step();
            optimizerG.zero_grad();
            Losses.GeneratorLoss(oracle.Discriminator.call(fake)).backward();
            optimizerG.step();
        }

        var pairs = gan.Generator.parameters().Concat(gan.Discriminator.parameters())
            .Zip(oracle.Generator.parameters().Concat(oracle.Discriminator.parameters())).ToList();
        Assert.All(pairs, p => Assert.True(p.First.allclose(p.Second, rtol: 1e-10, atol: 1e-12)));
        Assert.False(gan.Generator.parameters().Zip(onePass.Generator.parameters()).All(p => p.First.allclose(p.Second, rtol: 1e-6, atol: 1e-9)));
        Assert.Throws<NotSupportedException>(() => gan.TrainStepAsTutorial(images));
    }

    internal static void AssertGradients(List<TorchSharp.Modules.Parameter> parameters, IList<Tensor> expected, string what)
    {
        for (int i = 0; i < parameters.Count; i++)
        {
            // float64 on both sides: agreement to rounding, far below any difference in the mathematics.
            Assert.True(parameters[i].grad!.allclose(expected[i], rtol: 1e-9, atol: 1e-12), $"{what} {i}");
        }
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(-100, false)] // beyond the shortcut's floor
    [InlineData(0, true)]     // AC-GAN: the head also learns the real images' labels, on the discriminator's side only
    [InlineData(-100, true)]
    public void With_a_code_both_models_and_the_code_head_also_get_the_gradient_of_the_codes_cross_entropy(float logitShift, bool fromLabels)
    {
        var recipe = Recipe.Tutorial with { CodeCategories = 10, CodeWeight = 0.7, CodeFromLabels = fromLabels };
        using var gan = InFloat64(recipe, 12);
        using (torch.no_grad())
        {
            gan.Discriminator.Layers.named_children().Last().module.parameters().Last().add_(logitShift);
        }
        using var images = Fixtures.Images(6).ToTensor().to(ScalarType.Float64);
        using var noise = recipe.Latent.Draw(6).to(ScalarType.Float64);
        using var labels = torch.tensor(new long[] { 3, 1, 4, 1, 5, 9 });
        var gParams = gan.Generator.parameters().ToList();
        var dParams = gan.Discriminator.parameters().Concat(gan.CodeHead!.parameters()).ToList();

        // Reference: InfoGAN's losses written out, each model's gradient of its own total loss.
        torch.manual_seed(99);
        var fakeImages = gan.Generator.call(noise);
        var realFeatures = gan.Discriminator.Features(images); // once: the same dropout masks for both heads
        var realOut = gan.Discriminator.Judge(realFeatures);
        var fakeFeatures = gan.Discriminator.Features(fakeImages);
        var fakeOut = gan.Discriminator.Judge(fakeFeatures);
        var codeLoss = nn.functional.cross_entropy(gan.CodeHead.call(fakeFeatures), recipe.Latent.CategoriesOf(noise)) * 0.7;
        var genGrads = torch.autograd.grad([Losses.GeneratorLoss(fakeOut) + codeLoss], [.. gParams], retain_graph: true);
        var realCodeLoss = fromLabels
            ? nn.functional.cross_entropy(gan.CodeHead.call(realFeatures), labels) * 0.7
            : torch.zeros(1, dtype: ScalarType.Float64);
        var discGrads = torch.autograd.grad([Losses.DiscriminatorLoss(realOut, fakeOut) + codeLoss + realCodeLoss], [.. dParams]);

        torch.manual_seed(99);
        gan.ComputeGradients(images, noise, fromLabels ? labels : null);

        AssertGradients(gParams, genGrads, "generator parameter");
        AssertGradients(dParams, discGrads, "discriminator or code head parameter");
        Assert.True(gParams.Concat(dParams).All(p => p.grad!.abs().max().item<double>() > 0)); // every part is reached
    }

    [Fact]
    public void The_R1_penalty_and_its_gradient_agree_with_a_float64_oracle_and_finite_differences()
    {
        torch.manual_seed(3);
        using var d = Discriminator.Tutorial(dropoutRate: 0);
        d.to(float64);
        using var images = Fixtures.Images(3).ToTensor().to(float64);
        const double weight = 0.7;

        using var penalty = Losses.RealGradientPenalty(d, images, weight);
        penalty.backward();

        // The value: weight * mean over images of the sum of squares of the first derivative at each pixel.
        using var x = images.clone().requires_grad_(true);
        using var firstDerivative = torch.autograd.grad([d.call(x).sum()], [x])[0];
        double expected = weight * firstDerivative.square().sum([1, 2, 3]).mean().item<double>();
        Assert.Equal(expected, penalty.item<double>(), 1e-12);

        // The gradient, which takes a second derivative through the discriminator, by central differences.
        const double h = 1e-6;
        var parameters = d.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, index) in new (string, long[])[] { ("layers.conv1.conv.weight", [5, 0, 2, 3]),
            ("layers.conv2.conv.weight", [3, 10, 1, 4]), ("layers.dense.weight", [0, 900]) })
        {
            var parameter = parameters[name];
            double Penalty(double shift)
            {
                using (torch.no_grad())
                {
                    parameter[index].add_(shift);
                }
                using var p = Losses.RealGradientPenalty(d, images, weight);
                return p.item<double>();
            }
            // The shifts add up: +h, then -2h to reach -h, then +h back to the weight as it was.
            double difference = (Penalty(h) - Penalty(-2 * h)) / (2 * h);
            Penalty(h);
            double analytic = parameter.grad![index].item<double>();
            Assert.True(Math.Abs(analytic - difference) <= 1e-6 * Math.Max(1, Math.Abs(difference)), $"{name}: {analytic} against {difference}");
            Assert.True(analytic != 0, $"{name}: a zero gradient tests nothing");
        }
        // The biases only shift where each LeakyReLU bends, which leaves the derivative at the images as it is
        // (almost everywhere): the penalty does not move them.
        Assert.All(parameters.Where(p => p.Key.EndsWith("bias")), p => Assert.True(p.Value.grad is null || p.Value.grad.abs().max().item<double>() == 0));
    }

    [Fact]
    public void A_step_adds_the_R1_penalty_to_the_discriminators_gradient_every_R1Every_steps()
    {
        var recipe = Recipe.Named("improved") with { R1Every = 3 };
        torch.manual_seed(4);
        using var gan = new Gan(recipe);
        torch.manual_seed(4);
        using var plain = new Gan(recipe with { R1Gamma = 0 });
        using var images = Fixtures.Images(6).ToTensor();
        using var noise = torch.randn(6, Generator.NoiseDim);

        gan.ComputeGradients(images, noise);
        plain.ComputeGradients(images, noise);
        var withoutPenalty = plain.Discriminator.parameters().Select(p => p.grad!.clone()).ToList();
        plain.DiscriminatorOptimizer.ZeroGrad();
        using (var penalty = Losses.RealGradientPenalty(plain.Discriminator, images, recipe.R1Gamma / 2 * recipe.R1Every))
        {
            penalty.backward();
        }

        var weights = gan.Discriminator.parameters().Zip(plain.Discriminator.parameters(), withoutPenalty).ToList();
        foreach (var (withR1, penalised, without) in weights)
        {
            using var fromPenalty = penalised.grad ?? torch.zeros_like(without); // a bias: untouched by the penalty
            Assert.True(withR1.grad!.allclose(without + fromPenalty, rtol: 1e-4, atol: 1e-6));
        }
        Assert.True(weights.Count(w => w.Second.grad is { } g && g.abs().max().item<float>() > 1e-4) >= 3, "the penalty moves the weights");
        Assert.All(gan.Generator.parameters().Zip(plain.Generator.parameters()), p => Assert.True(Fixtures.Identical(p.First.grad!, p.Second.grad!)));

        var due = new List<bool>();
        for (int step = 0; step < 7; step++)
        {
            due.Add(gan.RealGradientPenaltyDue);
            gan.TrainStep(images);
        }
        Assert.Equal([true, false, false, true, false, false, true], due);
        Assert.False(plain.RealGradientPenaltyDue);
    }

    /// <summary>Both optimizers are Adam(1e-4) with Keras's defaults, and torch's epsilon is the one that makes its
    /// rule Keras's at each step: 1e-7 / sqrt(1 - 0.999^t), t the step about to be taken.</summary>
    [Fact]
    public void Optimizers_are_the_recipes_adam_with_kerass_epsilon_at_each_step()
    {
        using var gan = new Gan();
        using var images = Fixtures.Images(4).ToTensor();
        gan.TrainStep(images);
        gan.TrainStep(images);

        foreach (var optimizer in new[] { gan.GeneratorOptimizer, gan.DiscriminatorOptimizer })
        {
            var group = (TorchSharp.Modules.Adam.ParamGroup)optimizer.Torch.ParamGroups.Single();
            Assert.Equal(1e-4, group.LearningRate);
            Assert.Equal((0.9, 0.999), (group.Options.beta1!.Value, group.Options.beta2!.Value));
            Assert.Equal(1e-7 / Math.Sqrt(1 - Math.Pow(0.999, 2)), group.Options.eps!.Value, 15); // set for step 2
            Assert.Equal(2, optimizer.StepsTaken);
        }
    }

    /// <summary>tf.keras.optimizers.Adam, written out: alpha_t = lr * sqrt(1 - b2^t) / (1 - b1^t), and
    /// w -= alpha_t * m / (sqrt(v) + eps), epsilon added before bias correction. torch adds it after:
    /// w -= lr / (1 - b1^t) * m / (sqrt(v / (1 - b2^t)) + eps).</summary>
    private static double[] AdamByHand(double[] w, double[][] gradients, AdamSettings a, bool keras)
    {
        w = [.. w];
        var m = new double[w.Length];
        var v = new double[w.Length];
        for (int t = 1; t <= gradients.Length; t++)
        {
            double c1 = 1 - Math.Pow(a.Beta1, t), c2 = 1 - Math.Pow(a.Beta2, t);
            for (int i = 0; i < w.Length; i++)
            {
                double g = gradients[t - 1][i];
                m[i] = a.Beta1 * m[i] + (1 - a.Beta1) * g;
                v[i] = a.Beta2 * v[i] + (1 - a.Beta2) * g * g;
                w[i] -= keras
                    ? a.LearningRate * Math.Sqrt(c2) / c1 * m[i] / (Math.Sqrt(v[i]) + a.Epsilon)
                    : a.LearningRate / c1 * m[i] / (Math.Sqrt(v[i] / c2) + a.Epsilon);
            }
        }
        return w;
    }

    [Theory]
    [InlineData("tutorial")]
    [InlineData("docs/experiments/recipes/dcgan-ema.json")] // the DCGAN paper's beta_1 0.5
    [InlineData("improved")] // beta_1 0: no momentum, no first-moment bias correction
    public void Each_recipes_adam_adds_epsilon_as_keras_does_where_the_gradients_are_small(string recipe)
    {
        double[] start = [0.5, -0.25, 1.0, 0.0];
        // Gradients near 1e-6, where sqrt(v) is comparable to epsilon (1e-7) and the two rules differ most.
        double[][] gradients = [.. Enumerable.Range(0, 6).Select(t => new[] { 1e-6, -2e-6, 5e-7 * (t % 2 == 0 ? 1 : -1), 3e-6 + 1e-7 * t })];
        var settings = Recipe.Resolve(Recipe.IsFileName(recipe) ? Fixtures.RepositoryFile(recipe) : recipe).GeneratorAdam;
        using var w = new TorchSharp.Modules.Parameter(torch.tensor(start, dtype: ScalarType.Float64));
        using var adam = new KerasAdam([w], settings);

        foreach (var g in gradients)
        {
            using var grad = torch.tensor(g, dtype: ScalarType.Float64);
            adam.ApplyGradients([grad]);
        }

        var keras = AdamByHand(start, gradients, settings, keras: true);
        var torchRule = AdamByHand(start, gradients, settings, keras: false);
        var actual = w.data<double>().ToArray();
        for (int i = 0; i < start.Length; i++)
        {
            Assert.Equal(keras[i], actual[i], 1e-12);
            // The rules really differ here: by far more than the tolerance above.
            Assert.True(Math.Abs(keras[i] - torchRule[i]) > 1e-6, $"weight {i}: {keras[i]} vs {torchRule[i]}");
        }
    }

    [Fact]
    public void Bf16_keeps_float32_weights_and_gradients_and_computes_in_bf16()
    {
        torch.manual_seed(5);
        using var fp32 = new Gan();
        torch.manual_seed(5);
        using var bf16 = new Gan(Recipe.Tutorial with { Precision = Precision.Bf16 });
        using var images = Fixtures.Images(16).ToTensor();
        using var noise = torch.randn(16, Generator.NoiseDim);

        var losses = bf16.ComputeGradients(images, noise);

        Assert.True(float.IsFinite(losses.Generator) && float.IsFinite(losses.Discriminator));
        foreach (var p in bf16.Generator.parameters().Concat(bf16.Discriminator.parameters()))
        {
            Assert.Equal(ScalarType.Float32, p.dtype);
            Assert.Equal(ScalarType.Float32, p.grad!.dtype);
        }
        using var imagesFp32 = Sampler.Generate(fp32.Generator, noise);
        using var imagesBf16 = Sampler.Generate(bf16.Generator, noise);
        Assert.Equal(ScalarType.Float32, imagesBf16.dtype);
        Assert.False(Fixtures.Identical(imagesFp32, imagesBf16), "bf16 did compute in bf16");
    }

    /// <summary>How close bf16 is, is asked of float64, layer by layer (not of the float32 kernels, which are wrong
    /// on some CPUs, nor of the whole model, where batch norm magnifies rounding differently from kernel to kernel).
    /// Where the CPU has bf16 instructions the bf16 layers must be right; elsewhere oneDNN emulates bf16, which the
    /// tool warns against and its self-check guards, so the test does not ask it of them. The layers that touch the
    /// image's one channel compute in float32 under bf16 (oneDNN's bf16 kernels for them are wrong on AMD Zen 5), and
    /// are held to float32's tolerance, which bf16's rounding (errors near 2^-9) would fail.</summary>
    [Bf16Fact]
    public void Bf16_layers_agree_with_float64_to_bf16_rounding()
    {
        var checks = KernelCheck.Run(Precision.Bf16, [new CheckedBatch(16, true, "test")]);

        var bf16Layers = checks.Where(c => c.Precision == Precision.Bf16).Select(c => $"{c.Model} {c.Layer}");
        Assert.Equal(["Generator deconv3", "Discriminator conv2"], bf16Layers);
        Assert.All(checks, c => Assert.True(c.Passed, $"{c.Model} {c.Layer} ({c.Precision}): error {c.MaxError} of {c.Tolerance} allowed"));
        // Rounded to bf16 (8 bits of mantissa: errors near 2^-9 of the values), not computed in float32.
        Assert.All(checks.Where(c => c.Precision == Precision.Bf16), c => Assert.InRange(c.MaxError, 1e-4, KernelCheck.Bf16Tolerance));
        var imageLayers = checks.Where(c => c.Layer is "deconv4" or "conv1").ToList();
        Assert.Equal(2, imageLayers.Count);
        Assert.All(imageLayers, c => Assert.True(c.Precision == Precision.Fp32 && c.MaxError <= KernelCheck.Float32Tolerance,
            $"{c.Model} {c.Layer} ({c.Precision}): error {c.MaxError}"));
    }

    /// <summary>Which arithmetic each convolution of a bf16 model uses, seen in what it computes: a layer that rounds
    /// its operands to bfloat16 gives other numbers than in fp32, and one that stays float32 gives the same, bit for
    /// bit (the same kernel on the same operands). The layers that touch the image's channel stay float32.</summary>
    [Fact]
    public void Bf16_computes_the_layers_that_touch_the_image_in_float32()
    {
        torch.manual_seed(5);
        using var gan = new Gan(Recipe.Tutorial with { Precision = Precision.Bf16 });
        var inputs = new Dictionary<string, long[]>
        {
            ["deconv3"] = [4, 128, 7, 7],
            ["deconv4"] = [4, 64, 14, 14],
            ["conv1"] = [4, 1, 28, 28],
            ["conv2"] = [4, 64, 14, 14],
        };
        var roundsToBf16 = new Dictionary<string, bool>();
        foreach (var (name, layer) in gan.Generator.Layers.named_children().Concat(gan.Discriminator.Layers.named_children()))
        {
            if (layer is not IMixedPrecision mixed)
            {
                continue;
            }
            var convolution = (nn.Module<Tensor, Tensor>)layer;
            using var input = torch.randn(inputs[name]);
            using var asSet = convolution.call(input);
            var precision = mixed.Precision;
            mixed.Precision = Precision.Fp32;
            using var inFp32 = convolution.call(input);
            mixed.Precision = precision;
            Assert.Equal(ScalarType.Float32, asSet.dtype);
            roundsToBf16[name] = !Fixtures.Identical(asSet, inFp32);
        }

        Assert.Equal(new Dictionary<string, bool> { ["deconv3"] = true, ["deconv4"] = false, ["conv1"] = false, ["conv2"] = true }, roundsToBf16);
    }
}

/// <summary>A test of bf16 arithmetic, skipped (with the reason) where oneDNN has no bf16 instructions to use: a CPU
/// without them, or ONEDNN_MAX_CPU_ISA capped below them.</summary>
public sealed class Bf16FactAttribute : FactAttribute
{
    public Bf16FactAttribute()
    {
        string isa = MachineInfo.OneDnnIsaFor(MachineInfo.CpuFlags(), Environment.GetEnvironmentVariable("ONEDNN_MAX_CPU_ISA"));
        bool native = isa.StartsWith("unknown", StringComparison.Ordinal)
            || new[] { "AVX512_CORE_BF16", "AVX512_CORE_FP16", "AVX512_CORE_AMX" }.Any(i => isa.StartsWith(i, StringComparison.Ordinal));
        if (!native)
        {
            Skip = $"oneDNN uses {isa} here, without bf16 instructions: it emulates bf16, which the tool warns against and the self-check guards";
        }
    }
}
