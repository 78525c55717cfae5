using System.Text.Json.Serialization;
using TorchSharp;
using static TorchSharp.torch;

namespace Dcgan.Models;

/// <summary>The arithmetic of the strided convolutions. In JSON (run.json, benchmark --json) as on the command line.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Precision>))]
public enum Precision
{
    /// <summary>float32 throughout, as the tutorial.</summary>
    [JsonStringEnumMemberName("fp32")]
    Fp32,

    /// <summary>Mixed precision: the strided convolutions (the discriminator's two, the generator's last two) take
    /// bfloat16 inputs and kernels and give float32 results (oneDNN accumulates in float32). Everything else stays
    /// float32: the parameters ("master weights"), Adam, batch norm, activations, dropout, losses, and the generator's
    /// first two layers (a dense layer, and deconv2, whose Fourier transform wants float32's precision).</summary>
    [JsonStringEnumMemberName("bf16")]
    Bf16,
}

/// <summary>A layer that can compute in <see cref="Precision.Bf16"/>.</summary>
public interface IMixedPrecision
{
    Precision Precision { get; set; }
}

public static class MixedPrecision
{
    /// <summary>Sets the precision of every layer of the model that has one.</summary>
    public static void Set(nn.Module model, Precision precision)
    {
        foreach (var module in model.modules().OfType<IMixedPrecision>())
        {
            module.Precision = precision;
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
