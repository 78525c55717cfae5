using Dcgan.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Generator = Dcgan.Models.Generator;

namespace Dcgan.Tests;

public class ModelTests
{
    private static List<(string Name, long[] Shape)> ShapesAfterEachLayer(Sequential layers, Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var shapes = new List<(string, long[])>();
        var x = input;
        foreach (var (name, module) in layers.named_children())
        {
            x = ((nn.Module<Tensor, Tensor>)module).call(x);
            shapes.Add((name, x.shape));
        }
        return shapes;
    }

    [Fact]
    public void Generator_has_the_tutorials_shape_after_every_stage()
    {
        torch.manual_seed(1);
        using var g = Generator.Tutorial();
        using var noise = torch.randn(3, Generator.NoiseDim);

        var shapes = ShapesAfterEachLayer(g.Layers, noise).ToDictionary(s => s.Name, s => s.Shape);

        Assert.Equal(new long[] { 3, 256, 7, 7 }, shapes["reshape"]);   // Keras (None, 7, 7, 256)
        Assert.Equal(new long[] { 3, 128, 7, 7 }, shapes["leaky2"]);    // (None, 7, 7, 128)
        Assert.Equal(new long[] { 3, 64, 14, 14 }, shapes["leaky3"]);   // (None, 14, 14, 64)
        Assert.Equal(new long[] { 3, 1, 28, 28 }, shapes["tanh"]);      // (None, 28, 28, 1)
    }

    [Fact]
    public void Discriminator_gives_one_logit_per_image()
    {
        torch.manual_seed(1);
        using var d = Discriminator.Tutorial();
        using var images = torch.rand(5, 1, 28, 28) * 2 - 1;

        var shapes = ShapesAfterEachLayer(d.Layers, images).ToDictionary(s => s.Name, s => s.Shape);

        Assert.Equal(new long[] { 5, 64, 14, 14 }, shapes["dropout1"]);
        Assert.Equal(new long[] { 5, 128, 7, 7 }, shapes["dropout2"]);
        Assert.Equal(new long[] { 5, 1 }, shapes["dense"]);
    }

    private static (long Trainable, long NonTrainable) Count(nn.Module model) =>
        (model.parameters().Sum(p => p.numel()),
         // Keras's non-trainable weights are the moving mean and variance: the saved float state that is not a
         // parameter. torch's integer num_batches_tracked counter has no Keras counterpart.
         model.state_dict().Values.Where(t => t.dtype == ScalarType.Float32).Sum(t => t.numel())
             - model.parameters().Sum(p => p.numel()));

    [Fact]
    public void Generator_parameter_count_equals_keras_summary()
    {
        const long dense = 100 * 7 * 7 * 256, bn1 = 7 * 7 * 256;
        const long deconv2 = 256 * 128 * 5 * 5, deconv3 = 128 * 64 * 5 * 5, deconv4 = 64 * 1 * 5 * 5;
        long trainable = dense + 2 * bn1 + deconv2 + 2 * 128 + deconv3 + 2 * 64 + deconv4; // gamma and beta per BN
        long nonTrainable = 2 * bn1 + 2 * 128 + 2 * 64;                                        // moving mean and variance

        using var g = Generator.Tutorial();

        Assert.Equal((trainable, nonTrainable), Count(g));
        // Keras's model.summary(): "Total params: 2,330,944", "Trainable params: 2,305,472".
        Assert.Equal((2_305_472L, 2_330_944L - 2_305_472L), Count(g));
    }

    [Fact]
    public void Discriminator_parameter_count_equals_keras_summary()
    {
        long conv1 = 1 * 64 * 5 * 5 + 64, conv2 = 64 * 128 * 5 * 5 + 128, dense = 7 * 7 * 128 + 1;

        using var d = Discriminator.Tutorial();

        Assert.Equal((conv1 + conv2 + dense, 0L), Count(d));
        Assert.Equal((212_865L, 0L), Count(d)); // Keras's model.summary(): "Total params: 212,865"
    }

    [Fact]
    public void Fast_dropout_keeps_seventy_percent_scaled_and_is_the_identity_in_inference()
    {
        torch.manual_seed(4);
        using var dropout = new FastDropout(0.3);
        using var ones = torch.ones(200_000);

        using var trained = dropout.call(ones);
        dropout.eval();
        using var inferred = dropout.call(ones);

        float[] values = trained.data<float>().ToArray();
        Assert.All(values, v => Assert.True(v == 0f || Math.Abs(v - 1 / 0.7f) < 1e-6f, $"value {v}"));
        Assert.InRange(values.Count(v => v != 0) / 200_000.0, 0.697, 0.703); // 0.7 within 4 standard deviations
        Assert.Equal(1.0, trained.mean().item<float>(), 2);                    // unbiased
        Assert.True(Fixtures.Identical(ones, inferred));
    }

    [Fact]
    public void Layers_use_keras_defaults()
    {
        torch.manual_seed(3);
        using var d = Discriminator.Tutorial();
        using var g = Generator.Tutorial();

        using var leaky = Keras.LeakyReLU();
        using var minusOne = torch.tensor(new[] { -1f });
        Assert.Equal(-0.3f, leaky.call(minusOne).item<float>(), 6);

        // Glorot-uniform kernels, every one of them (dense, convolution, transposed, Fourier): |w| <= sqrt(6 / (fan_in +
        // fan_out)), spread like a uniform distribution (std = limit / sqrt 3). fan_in + fan_out is (in + out) for a
        // dense [out, in] kernel and (in + out) * k * k for a convolution's [a, b, k, k], whichever of a, b is "in".
        var kernels = g.named_parameters().Concat(d.named_parameters()).Where(p => p.parameter.dim() > 1).ToList();
        Assert.Equal(["layers.dense.weight", "layers.deconv2.weight", "layers.deconv3.conv.weight", "layers.deconv4.conv.weight",
            "layers.conv1.conv.weight", "layers.conv2.conv.weight", "layers.dense.weight"], kernels.Select(k => k.name));
        foreach (var (name, w) in kernels)
        {
            long fans = w.dim() == 2 ? w.shape[0] + w.shape[1] : (w.shape[0] + w.shape[1]) * w.shape[2] * w.shape[3];
            double limit = Math.Sqrt(6.0 / fans);
            Assert.True(w.abs().max().item<float>() <= limit, name);
            Assert.InRange(w.std().item<float>(), limit / Math.Sqrt(3) * 0.95, limit / Math.Sqrt(3) * 1.05);
        }
        // Zero biases.
        Assert.All(d.named_parameters().Where(p => p.name.EndsWith("bias", StringComparison.Ordinal)),
            p => Assert.Equal(0f, p.parameter.abs().sum().item<float>()));

        // BatchNorm: moving average with momentum 0.99 (0.01 of the new batch) and epsilon 1e-3.
        var bn = (BatchNorm2d)g.Layers.named_children().Single(c => c.name == "bn2").module;
        using var batch = torch.full(4, 128, 7, 7, 2f);
        bn.train();
        using (bn.call(batch)) { }
        Assert.Equal(0.02f, bn.running_mean!.mean().item<float>(), 6);
        bn.eval();
        using var x = torch.zeros(1, 128, 7, 7);
        using var normalized = bn.call(x); // (0 - 0.02) / sqrt(running_var + 1e-3) with running_var = 0.99
        Assert.Equal(-0.02 / Math.Sqrt(0.99 + 1e-3), normalized.mean().item<float>(), 5);
    }

    /// <summary>With all-ones weights and no bias, the output rows (of column 0) that an impulse at input row
    /// <paramref name="row"/> reaches. In float64, which libtorch computes itself rather than through oneDNN: the
    /// test is about our padding and cropping, and oneDNN's float32 transposed convolution with one input channel
    /// is wrong on some CPUs (AMD Zen 5, libtorch 2.10).</summary>
    private static int[] RowsReached(nn.Module<Tensor, Tensor> layer, int inputSize, int row)
    {
        layer.to(float64);
        using (torch.no_grad())
        {
            foreach (var p in layer.parameters())
            {
                p.fill_(p.dim() == 1 ? 0 : 1);
            }
        }
        using var input = torch.zeros(1, 1, inputSize, inputSize, dtype: float64);
        input[0, 0, row, 0] = 1.0;
        using var output = layer.call(input);
        Assert.Equal(new long[] { 1, 1, 14, 14 }, output.shape);
        return Enumerable.Range(0, 14).Where(r => output[0, 0, r, 0].item<double>() != 0).ToArray();
    }

    [Fact]
    public void Strided_conv_pads_like_tensorflow_same()
    {
        // Output row j sees input rows 2j-1 .. 2j+3 in TensorFlow's 'same' (1 pixel of padding before, 2 after).
        using var conv = new TfSameConv2d(1, 1, 5);
        for (int r = 0; r < 28; r++)
        {
            var expected = Enumerable.Range(0, 14).Where(j => 2 * j - 1 <= r && r <= 2 * j + 3).ToArray();
            Assert.Equal(expected, RowsReached(conv, 28, r));
        }
    }

    [Fact]
    public void Strided_transposed_conv_places_outputs_like_tensorflow_same()
    {
        // The transpose of the convolution above: input row j reaches output rows 2j-1 .. 2j+3, cut to 0 .. 2n-1.
        using var deconv = new TfSameConvTranspose2d(1, 1, 5, bias: false);
        for (int j = 0; j < 7; j++)
        {
            var expected = Enumerable.Range(0, 14).Where(r => 2 * j - 1 <= r && r <= 2 * j + 3).ToArray();
            Assert.Equal(expected, RowsReached(deconv, 7, j));
        }
    }

    [Theory]
    [InlineData(6, 4, 3)]
    [InlineData(256, 128, 2)] // the generator's own deconv2
    public void Fourier_transposed_conv_equals_the_direct_one_in_float64_forward_and_backward(int inChannels, int outChannels, int batch)
    {
        // deconv2 is computed through a DFT in float32; the oracle is ConvTranspose2d(stride 1, padding 'same') in
        // float64, which libtorch computes without oneDNN (whose float32 kernel is wrong for few channels on some CPUs).
        torch.manual_seed(3);
        using var scope = torch.NewDisposeScope();
        using var fourier = new FourierConvTranspose2d(inChannels, outChannels, 5, size: 7);
        var weight64 = fourier.Weight.detach().to(float64).requires_grad_(true);
        var input = torch.randn(batch, inChannels, 7, 7).requires_grad_(true);
        var input64 = input.detach().to(float64).requires_grad_(true);
        var gradOutput = torch.randn(batch, outChannels, 7, 7);

        var expected = nn.functional.conv_transpose2d(input64, weight64, padding: [2, 2]);
        var (expectedInputGrad, expectedWeightGrad) = Gradients(expected, input64, weight64, gradOutput.to(float64));
        var actual = fourier.call(input);
        var (inputGrad, weightGrad) = Gradients(actual, input, fourier.Weight, gradOutput);

        Assert.Equal(expected.shape, actual.shape);
        Assert.Equal(ScalarType.Float32, actual.dtype);
        Assert.True(expected.abs().max().item<double>() > 0.5, "a non-trivial output to compare");
        AssertClose(expected, actual);
        AssertClose(expectedInputGrad, inputGrad);
        AssertClose(expectedWeightGrad, weightGrad);
        Assert.Equal(["weight"], fourier.state_dict().Keys); // the transforms are constants, not saved state
        Assert.Throws<ArgumentException>(() => fourier.call(torch.randn(1, inChannels, 8, 8)));

        static (Tensor Input, Tensor Weight) Gradients(Tensor output, Tensor input, Tensor weight, Tensor gradOutput)
        {
            var grads = torch.autograd.grad([output], [input, weight], [gradOutput]);
            return (grads[0], grads[1]);
        }

        // float32 sums of up to a few thousand terms: about 1e-6 of the largest value; 1e-5 leaves room.
        static void AssertClose(Tensor expected, Tensor actual)
        {
            double scale = expected.abs().max().item<double>();
            double error = (expected - actual.to(float64)).abs().max().item<double>();
            Assert.True(error <= 1e-5 * scale, $"max error {error:E2} for values up to {scale:F3}");
        }
    }
}
