using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Dcgan.Models;

/// <summary>The DCGAN paper's generator (<see cref="PaperModels"/>), as pytorch/examples' dcgan/main.py builds it for
/// 64x64, derived here from the image's size.</summary>
internal sealed class PaperGenerator : Generator
{
    public PaperGenerator(ImageShape shape, int width, Latent? latent, bool classBatchNorm)
        : base(shape, MakeLayers(shape, width), latent, classBatchNorm)
    {
        PaperModels.Initialize(this);
    }

    /// <summary>The layers for <paramref name="shape"/>, <paramref name="width"/> channels (pytorch/examples' ngf) in
    /// the last hidden layer, twice as many in each one before: 64x64 with width 64 gives 512, 256, 128, 64.</summary>
    private static Sequential MakeLayers(ImageShape shape, int width)
    {
        PaperModels.CheckShapeAndWidth(shape, width, "generator");
        int doublings = PaperModels.Doublings(shape.Size);
        long channels = (long)width << (doublings - 1);
        var layers = new List<(string, Module<Tensor, Tensor>)>
        {
            ("project", new Projection(NoiseDim, channels)),                                       // (C, 4, 4)
            ("bn1", BatchNorm2d(channels)),
            ("relu1", ReLU()),
        };
        for (int i = 2; i <= doublings; i++, channels /= 2)
        {
            layers.Add(($"deconv{i}", new StridedConvTranspose2d(channels, channels / 2)));       // (C/2, 2s, 2s)
            layers.Add(($"bn{i}", BatchNorm2d(channels / 2)));
            layers.Add(($"relu{i}", ReLU()));
        }
        layers.Add(($"deconv{doublings + 1}", new StridedConvTranspose2d(channels, shape.Channels)));
        layers.Add(("tanh", Tanh()));                                                              // (channels, size, size)
        return Sequential(layers);
    }
}
