using TorchSharp.Modules;
using static TorchSharp.torch.nn;

namespace Dcgan.Models;

/// <summary>The tutorial's make_generator_model(): 100 numbers of noise -> a 28x28 gray image in [-1, 1].</summary>
internal sealed class TutorialGenerator : Generator
{
    public TutorialGenerator(Latent? latent, bool classBatchNorm)
        : base(ImageShape.Tutorial, MakeGeneratorModel(), latent, classBatchNorm)
    {
        Keras.InitializeAsKeras(this);
    }

    /// <summary>make_generator_model(), layer for layer.</summary>
    private static Sequential MakeGeneratorModel() => Sequential(
        ("dense", Linear(NoiseDim, 7 * 7 * 256, hasBias: false)),
        ("bn1", Keras.BatchNorm1d(7 * 7 * 256)),
        ("leaky1", Keras.LeakyReLU()),
        ("reshape", Unflatten(1, [256, 7, 7])),                       // (256, 7, 7)

        ("deconv2", new FourierConvTranspose2d(256, 128, 5, size: 7)),   // stride 1, 'same', no bias; see the class
        ("bn2", Keras.BatchNorm2d(128)),
        ("leaky2", Keras.LeakyReLU()),                               // (128, 7, 7)

        ("deconv3", new TfSameConvTranspose2d(128, 64, 5, bias: false)),
        ("bn3", Keras.BatchNorm2d(64)),
        ("leaky3", Keras.LeakyReLU()),                               // (64, 14, 14)

        ("deconv4", new TfSameConvTranspose2d(64, 1, 5, bias: false)),
        ("tanh", Tanh()));                                          // (1, 28, 28)
}
