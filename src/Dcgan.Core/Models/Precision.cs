using System.Text.Json.Serialization;
using TorchSharp;
using static TorchSharp.torch;

namespace Dcgan.Models;

/// <summary>The arithmetic of the strided convolutions. In JSON (run.json, benchmarks) as fp32 and bf16.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Precision>))]
public enum Precision
{
    /// <summary>float32 throughout, as the tutorial.</summary>
    [JsonStringEnumMemberName("fp32")]
    Fp32,

    /// <summary>Mixed precision: the strided convolutions between feature maps (the discriminator's conv2, the
    /// generator's deconv3) take bfloat16 inputs and kernels and give float32 results (oneDNN accumulates in float32).
    /// Everything else stays float32: the parameters ("master weights"), Adam, batch norm, activations, dropout,
    /// losses, the generator's first two layers (a dense layer, and deconv2, whose Fourier transform wants float32's
    /// precision), and the layers that touch the image's channels (<see cref="MixedPrecision.TouchesImage"/>).</summary>
    [JsonStringEnumMemberName("bf16")]
    Bf16,
}

/// <summary>A convolution that can compute in <see cref="Precision.Bf16"/>.</summary>
internal interface IMixedPrecision
{
    /// <summary>The arithmetic the layer computes in now; set through <see cref="MixedPrecision.Set"/>.</summary>
    Precision Precision { get; set; }

    long InChannels { get; }

    long OutChannels { get; }
}

internal static class MixedPrecision
{
    /// <summary>The most channels an image has: gray, gray with alpha, RGB, RGBA.</summary>
    public const int ImageChannels = 4;

    /// <summary>Whether a layer reads or writes an image's channels (the discriminator's first layer, the generator's
    /// last), by its shape rather than its name, so that it holds for every model. Mixed-precision practice keeps these
    /// layers in float32: they hold a small share of the step's arithmetic, and oneDNN's bf16 kernels with one
    /// channel on a side are wrong on AMD Zen 5 (errors of 0.24 of the largest value; docs/cpus.md).</summary>
    public static bool TouchesImage(IMixedPrecision layer) => Math.Min(layer.InChannels, layer.OutChannels) <= ImageChannels;

    /// <summary>Sets the precision of every layer of the model that has one: <paramref name="precision"/>, except
    /// that the layers that touch the image stay float32 under bf16.</summary>
    public static void Set(nn.Module model, Precision precision)
    {
        foreach (var layer in model.modules().OfType<IMixedPrecision>())
        {
            layer.Precision = TouchesImage(layer) ? Precision.Fp32 : precision;
        }
    }

    /// <summary>Runs a convolution with its operands in bfloat16 and returns a float32 result. The casts are part of
    /// the autograd graph, so gradients arrive in float32 at the float32 parameters.</summary>
    internal static Tensor InBFloat16(Func<Tensor, Tensor, Tensor?, Tensor> convolution, Tensor input, Tensor weight, Tensor? bias)
    {
        using var scope = torch.NewDisposeScope();
        var output = convolution(input.to(bfloat16), weight.to(bfloat16), bias?.to(bfloat16));
        return output.to(float32).MoveToOuterDisposeScope();
    }
}
