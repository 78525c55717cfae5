using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Dcgan.Models;

/// <summary>
/// The DCGAN paper's all-convolutional pair (Radford et al. 2015, section 3, and Figure 1), as pytorch/examples'
/// dcgan/main.py builds it for 64x64, derived here from the image's size rather than fixed: the generator projects the
/// noise to 4x4 with many channels, then each stride-2 transposed convolution (4x4 kernels) halves the channels and
/// doubles the side up to the image's; the discriminator mirrors it with stride-2 convolutions down to 4x4 and ends in
/// one logit. No pooling and no dense hidden layer; batch norm everywhere but the generator's output and the
/// discriminator's input; ReLU in the generator with tanh at its output, LeakyReLU(0.2) in the discriminator; no bias
/// (batch norm follows); weights drawn from N(0, 0.02), batch-norm scales from N(1, 0.02).
/// </summary>
internal static class PaperModels
{
    /// <summary>The paper's LeakyReLU slope.</summary>
    public const double LeakyReluSlope = 0.2;

    /// <summary>How many stride-2 layers take 4x4 to <paramref name="size"/>.</summary>
    public static int Doublings(int size) => (int)Math.Round(Math.Log2(size / 4.0));

    /// <summary>Throws unless the paper's <paramref name="model"/> can take <paramref name="shape"/> with
    /// <paramref name="width"/> channels.</summary>
    public static void CheckShapeAndWidth(ImageShape shape, int width, string model)
    {
        if ((shape.Problem() ?? (shape.IsTutorial ? $"the paper's models take sizes {string.Join(", ", ImageShape.PaperSizes)}; 28x28 gray is the tutorial's." : null)) is { } problem)
        {
            throw new ArgumentException(problem, nameof(shape));
        }
        if (width < 1)
        {
            throw new ArgumentException($"the paper's {model} needs a width of at least 1 (got {width}).", nameof(width));
        }
    }

    /// <summary>The size of the discriminator's features: its last layer's channels times 4x4.</summary>
    public static int FeatureSize(ImageShape shape, int width) => (width << (Doublings(shape.Size) - 1)) * 16;

    /// <summary>pytorch/examples' weights_init: every convolution's weights N(0, 0.02), every batch norm's scale
    /// N(1, 0.02) and shift 0; the final dense layer, its last convolution there, N(0, 0.02) too.</summary>
    public static void Initialize(Module model)
    {
        using var noGrad = torch.no_grad();
        foreach (var (_, module) in model.named_modules())
        {
            switch (module)
            {
                case StridedConv2d c:
                    init.normal_(c.Weight, 0, 0.02);
                    break;
                case StridedConvTranspose2d t:
                    init.normal_(t.Weight, 0, 0.02);
                    break;
                case Projection p:
                    init.normal_(p.Weight, 0, 0.02);
                    break;
                case TorchSharp.Modules.Linear l:
                    init.normal_(l.weight!, 0, 0.02);
                    break;
                case TorchSharp.Modules.BatchNorm2d b:
                    init.normal_(b.weight!, 1, 0.02);
                    init.zeros_(b.bias!);
                    break;
            }
        }
    }
}

/// <summary>Conv2d(in, out, 4, stride 2, padding 1, no bias): halves the side; bf16-capable like the tutorial's.</summary>
internal sealed class StridedConv2d : Module<Tensor, Tensor>, IMixedPrecision
{
    private readonly Conv2d conv;

    public StridedConv2d(long inChannels, long outChannels) : base(nameof(StridedConv2d))
    {
        conv = Conv2d(inChannels, outChannels, 4, stride: 2, padding: 1, bias: false);
        RegisterComponents();
    }

    public Tensor Weight => conv.weight!;

    public override Tensor forward(Tensor input) => Precision == Precision.Fp32
        ? conv.forward(input)
        : MixedPrecision.InBFloat16((x, w, b) => nn.functional.conv2d(x, w, b, strides: [2, 2], padding: [1, 1]), input, conv.weight!, null);

    public Precision Precision { get; set; }

    public long InChannels => conv.in_channels;

    public long OutChannels => conv.out_channels;
}

/// <summary>
/// The generator's first layer: pytorch/examples' ConvTranspose2d(nz, C, 4, 1, 0) on the noise seen as 1x1 images,
/// whose every output pixel is a weighted sum of the noise, so it is computed as the dense layer it is: the noise
/// [B, nz] times the weight [nz, C, 4, 4] seen as [nz, C * 16]. The weight has the transposed convolution's layout, so
/// it loads into PyTorch's layer as it is. (libtorch's transposed convolution of a 1x1 input is wrong on AMD Zen 5 in
/// float32, by a third of its largest value, which the self-check found; a matrix product is right everywhere.)
/// </summary>
internal sealed class Projection : Module<Tensor, Tensor>
{
    private readonly Parameter weight;

    public Projection(long inputs, long channels) : base(nameof(Projection))
    {
        weight = Parameter(torch.empty(inputs, channels, 4, 4));
        RegisterComponents();
    }

    public Tensor Weight => weight;

    public override Tensor forward(Tensor noise)
    {
        using var flat = weight.view(weight.shape[0], -1);
        using var product = noise.matmul(flat);
        return product.view(-1, weight.shape[1], 4, 4);
    }
}

/// <summary>ConvTranspose2d(in, out, 4, stride 2, padding 1, no bias): doubles the side.</summary>
internal sealed class StridedConvTranspose2d : Module<Tensor, Tensor>, IMixedPrecision
{
    private readonly ConvTranspose2d conv;

    public StridedConvTranspose2d(long inChannels, long outChannels) : base(nameof(StridedConvTranspose2d))
    {
        conv = ConvTranspose2d(inChannels, outChannels, 4, stride: 2, padding: 1, bias: false);
        RegisterComponents();
    }

    public Tensor Weight => conv.weight!;

    public override Tensor forward(Tensor input) => Precision == Precision.Fp32
        ? conv.forward(input)
        : MixedPrecision.InBFloat16((x, w, b) => nn.functional.conv_transpose2d(x, w, b, strides: [2, 2], padding: [1, 1]),
            input, conv.weight!, null);

    public Precision Precision { get; set; }

    public long InChannels => conv.in_channels;

    public long OutChannels => conv.out_channels;
}
