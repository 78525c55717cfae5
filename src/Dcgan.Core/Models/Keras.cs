using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Dcgan.Models;

/// <summary>
/// The tutorial's Keras layers with Keras's defaults, in torch terms (docs/recipes.md, "The models", lists
/// them): torch's own defaults differ in every one of these.
/// </summary>
internal static class Keras
{
    /// <summary>layers.LeakyReLU(): Keras's slope is 0.3, torch's 0.01.</summary>
    public const double LeakyReluSlope = 0.3;

    /// <summary>layers.BatchNormalization(): momentum 0.99 keeps 99 % of the old moving average; torch's momentum is
    /// the weight of the new batch, hence 0.01. Keras's epsilon is 1e-3, torch's 1e-5.</summary>
    public const double BatchNormMomentum = 0.01, BatchNormEpsilon = 1e-3;

    /// <summary>tf.keras.optimizers.Adam's epsilon (torch's is 1e-8).</summary>
    public const double AdamEpsilon = 1e-7;

    public static LeakyReLU LeakyReLU() => nn.LeakyReLU(LeakyReluSlope);

    public static BatchNorm1d BatchNorm1d(long features) =>
        nn.BatchNorm1d(features, eps: BatchNormEpsilon, momentum: BatchNormMomentum);

    public static BatchNorm2d BatchNorm2d(long features) =>
        nn.BatchNorm2d(features, eps: BatchNormEpsilon, momentum: BatchNormMomentum);

    /// <summary>Keras initialises every Dense and Conv kernel glorot-uniform and every bias to zero; torch uses
    /// kaiming-uniform and uniform biases. Glorot's limit depends on fan_in + fan_out only, so torch's
    /// (in, out, k, k) layout of transposed-convolution weights gives the same limit as Keras's (k, k, out, in).</summary>
    public static void InitializeAsKeras(Module model)
    {
        using var noGrad = torch.no_grad();
        foreach (var (_, module) in model.named_modules())
        {
            var (weight, bias) = module switch
            {
                Linear l => (l.weight, l.bias),
                Conv2d c => (c.weight, c.bias),
                ConvTranspose2d t => (t.weight, t.bias),
                FourierConvTranspose2d f => (f.Weight, null),
                _ => (null, null),
            };
            if (weight is not null)
            {
                init.xavier_uniform_(weight);
            }
            if (bias is not null)
            {
                init.zeros_(bias);
            }
        }
    }
}
