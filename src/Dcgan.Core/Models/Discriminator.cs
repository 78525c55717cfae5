using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Dcgan.Models;

/// <summary>
/// The tutorial's make_discriminator_model(): a 28x28 image -> one logit (positive: "real").
/// </summary>
public sealed class Discriminator : Module<Tensor, Tensor>
{
    /// <summary>layers.Dropout(0.3): the tutorial's rate.</summary>
    public const double DropoutRate = 0.3;

    /// <summary>The size of <see cref="Features"/>: the flattened (128, 7, 7) output of the convolutions.</summary>
    public const int FeatureSize = 7 * 7 * 128;

    private readonly Sequential layers;

    /// <summary>The tutorial's discriminator; <paramref name="dropoutRate"/> is its two Dropout layers' rate (at 0 they
    /// pass their input through, and the model's layers and weights are the same).</summary>
    public Discriminator(double dropoutRate = DropoutRate) : base(nameof(Discriminator))
    {
        Dropout = dropoutRate;
        layers = Sequential(
            ("conv1", new TfSameConv2d(1, 64, 5)),
            ("leaky1", Keras.LeakyReLU()),
            ("dropout1", new FastDropout(dropoutRate)),                       // (64, 14, 14)

            ("conv2", new TfSameConv2d(64, 128, 5)),
            ("leaky2", Keras.LeakyReLU()),
            ("dropout2", new FastDropout(dropoutRate)),                       // (128, 7, 7)

            ("flatten", Flatten()),
            ("dense", Linear(FeatureSize, 1)));                          // one logit
        RegisterComponents();
        Keras.InitializeAsKeras(this);
        // Kept after RegisterComponents, so these views of the layers above add nothing to the state_dict.
        var children = layers.children().Cast<Module<Tensor, Tensor>>().ToArray();
        (featureLayers, dense) = (children[..^1], children[^1]);
    }

    /// <summary>The rate of its two Dropout layers.</summary>
    public double Dropout { get; }

    private readonly Module<Tensor, Tensor>[] featureLayers;
    private readonly Module<Tensor, Tensor> dense;

    /// <summary>The layers in order, for inspection (tests check the shape after each).</summary>
    public Sequential Layers => layers;

    public override Tensor forward(Tensor images) => Judge(Features(images));

    /// <summary>The flattened output of the convolutions, [B, <see cref="FeatureSize"/>], that the final Dense layer judges.</summary>
    public Tensor Features(Tensor images) => featureLayers.Aggregate(images, (x, layer) => layer.call(x));

    /// <summary>The final Dense layer: the logit for <see cref="Features"/>.</summary>
    public Tensor Judge(Tensor features) => dense.call(features);
}
