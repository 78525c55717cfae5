using TorchSharp.Modules;
using static TorchSharp.torch.nn;

namespace Dcgan.Models;

/// <summary>The tutorial's make_discriminator_model(): a 28x28 gray image -> one logit (positive: "real").</summary>
internal sealed class TutorialDiscriminator : Discriminator
{
    public TutorialDiscriminator(double dropoutRate)
        : base(ImageShape.Tutorial, MakeDiscriminatorModel(dropoutRate), dropoutRate)
    {
        Keras.InitializeAsKeras(this);
    }

    /// <summary>make_discriminator_model(), layer for layer.</summary>
    private static Sequential MakeDiscriminatorModel(double dropoutRate) => Sequential(
        ("conv1", new TfSameConv2d(1, 64, 5)),
        ("leaky1", Keras.LeakyReLU()),
        ("dropout1", new FastDropout(dropoutRate)),                       // (64, 14, 14)

        ("conv2", new TfSameConv2d(64, 128, 5)),
        ("leaky2", Keras.LeakyReLU()),
        ("dropout2", new FastDropout(dropoutRate)),                       // (128, 7, 7)

        ("flatten", Flatten()),
        ("dense", Linear(7 * 7 * 128, 1)));                          // one logit
}
