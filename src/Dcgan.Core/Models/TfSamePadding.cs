using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Dcgan.Models;

/// <summary>
/// Conv2D(kernel 5, stride 2, padding='same') exactly as TensorFlow computes it. For 28 -> 14 (and 14 -> 7)
/// TensorFlow pads 3 in total: 1 before and 2 after. torch's symmetric padding 2 would look one pixel off,
/// so we pad (left 1, right 2, top 1, bottom 2) with zeros and convolve without padding. Being exact costs
/// one cheap pad, and it is what "the tutorial's model" means.
/// </summary>
internal sealed class TfSameConv2d : Module<Tensor, Tensor>, IMixedPrecision
{
    private readonly ZeroPad2d pad;
    private readonly Conv2d conv;

    public TfSameConv2d(long inChannels, long outChannels, long kernelSize = 5) : base(nameof(TfSameConv2d))
    {
        if (kernelSize != 5)
        {
            throw new ArgumentOutOfRangeException(nameof(kernelSize), "Only the tutorial's 5x5 kernels are supported.");
        }
        pad = ZeroPad2d((1, 2, 1, 2));
        conv = Conv2d(inChannels, outChannels, kernelSize, stride: 2, padding: 0L);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var padded = pad.forward(input);
        return Precision == Precision.Fp32
            ? conv.forward(padded)
            : MixedPrecision.InBFloat16((x, w, b) => nn.functional.conv2d(x, w, b, strides: [2, 2]), padded, conv.weight!, conv.bias);
    }

    public Precision Precision { get; set; }

    public long InChannels => conv.in_channels;

    public long OutChannels => conv.out_channels;
}

/// <summary>
/// Conv2DTranspose(kernel 5, stride 2, padding='same') exactly as TensorFlow computes it: the gradient of the
/// convolution above, so output row r = 2j - 1 + k. torch's ConvTranspose2d(padding 1) computes those rows
/// for an output of 2n + 1; TensorFlow's output is the first 2n of them. (padding 2 with output_padding 1 also
/// gives 2n, but shifted by one pixel.)
/// </summary>
internal sealed class TfSameConvTranspose2d : Module<Tensor, Tensor>, IMixedPrecision
{
    private readonly ConvTranspose2d conv;

    public TfSameConvTranspose2d(long inChannels, long outChannels, long kernelSize = 5, bool bias = true)
        : base(nameof(TfSameConvTranspose2d))
    {
        if (kernelSize != 5)
        {
            throw new ArgumentOutOfRangeException(nameof(kernelSize), "Only the tutorial's 5x5 kernels are supported.");
        }
        conv = ConvTranspose2d(inChannels, outChannels, kernelSize, stride: 2, padding: 1, bias: bias);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        long height = 2 * input.shape[2], width = 2 * input.shape[3];
        using var full = Precision == Precision.Fp32 // (2n + 1) x (2n + 1)
            ? conv.forward(input)
            : MixedPrecision.InBFloat16(
                (x, w, b) => nn.functional.conv_transpose2d(x, w, b, strides: [2, 2], padding: [1, 1]), input, conv.weight!, conv.bias);
        return full.narrow(2, 0, height).narrow(3, 0, width);
    }

    public Precision Precision { get; set; }

    public long InChannels => conv.in_channels;

    public long OutChannels => conv.out_channels;
}
