using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Dcgan.Models;

/// <summary>The DCGAN paper's discriminator (<see cref="PaperModels"/>), mirroring <see cref="PaperGenerator"/>; it has
/// no dropout.</summary>
internal sealed class PaperDiscriminator : Discriminator
{
    public PaperDiscriminator(ImageShape shape, int width)
        : base(shape, MakeLayers(shape, width), dropoutRate: 0)
    {
        PaperModels.Initialize(this);
    }

    /// <summary>The layers, mirroring the generator's, down to the features (channels x 4 x 4, flattened) and the final
    /// layer that makes them one logit; <paramref name="width"/> channels in the first (pytorch/examples' ndf).</summary>
    private static Sequential MakeLayers(ImageShape shape, int width)
    {
        PaperModels.CheckShapeAndWidth(shape, width, "discriminator");
        int doublings = PaperModels.Doublings(shape.Size);
        long channels = width;
        var layers = new List<(string, Module<Tensor, Tensor>)>
        {
            ("conv1", new StridedConv2d(shape.Channels, channels)),                                 // no batch norm at the input
            ("leaky1", LeakyReLU(PaperModels.LeakyReluSlope)),
        };
        for (int i = 2; i <= doublings; i++, channels *= 2)
        {
            layers.Add(($"conv{i}", new StridedConv2d(channels, channels * 2)));
            layers.Add(($"bn{i}", BatchNorm2d(channels * 2)));
            layers.Add(($"leaky{i}", LeakyReLU(PaperModels.LeakyReluSlope)));
        }
        layers.Add(("flatten", Flatten()));                                                         // (C * 4 * 4)
        layers.Add(("dense", Judge(shape, width)));                                                 // one logit
        return Sequential(layers);
    }

    /// <summary>The last layer. pytorch/examples' is Conv2d(C, 1, 4, 1, 0) on the 4x4 features: the same weights and
    /// arithmetic as this dense layer on them flattened, which the projection and code heads also read.</summary>
    private static Linear Judge(ImageShape shape, int width) => Linear(PaperModels.FeatureSize(shape, width), 1, hasBias: false);
}
