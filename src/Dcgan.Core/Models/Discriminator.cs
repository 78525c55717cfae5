using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Dcgan.Models;

/// <summary>
/// A discriminator: an image of <see cref="Shape"/> -> one logit (positive: "real"). Two families, as for
/// <see cref="Generator"/>: the tutorial's make_discriminator_model() for 28x28 gray (<see cref="Tutorial"/>) and the
/// DCGAN paper's for the other sizes (<see cref="Paper"/>); <see cref="For"/> picks the one a shape needs.
/// </summary>
public abstract class Discriminator : Module<Tensor, Tensor>
{
    /// <summary>layers.Dropout(0.3): the tutorial's rate.</summary>
    public const double DropoutRate = 0.3;

    private readonly Sequential layers;
    private readonly Module<Tensor, Tensor>[] featureLayers;
    private readonly Linear dense;

    /// <summary>The tutorial's discriminator; <paramref name="dropoutRate"/> is its two Dropout layers' rate (at 0 they
    /// pass their input through, and the model's layers and weights are the same).</summary>
    public static Discriminator Tutorial(double dropoutRate = DropoutRate) => new TutorialDiscriminator(dropoutRate);

    /// <summary>The DCGAN paper's discriminator of images of <paramref name="shape"/>, <paramref name="width"/>
    /// channels in its first layer (pytorch/examples' ndf); it has no dropout.</summary>
    public static Discriminator Paper(ImageShape shape, int width = Generator.PaperWidth) => new PaperDiscriminator(shape, width);

    /// <summary>The discriminator of images of <paramref name="shape"/>: the tutorial's for 28x28 gray (fixed widths, so
    /// <paramref name="width"/> is not used), else the paper's, which has no dropout.</summary>
    public static Discriminator For(ImageShape shape, int width, double dropoutRate = 0)
    {
        if (!shape.IsTutorial && dropoutRate != 0)
        {
            throw new ArgumentException("the paper's discriminator has no dropout.", nameof(dropoutRate));
        }
        return shape.IsTutorial ? Tutorial(dropoutRate) : Paper(shape, width);
    }

    /// <summary>Wraps a family's <paramref name="layers"/>, whose last is the Dense layer that makes the logit.</summary>
    private protected Discriminator(ImageShape shape, Sequential layers, double dropoutRate) : base(nameof(Discriminator))
    {
        Shape = shape;
        Dropout = dropoutRate;
        this.layers = layers;
        register_module(nameof(layers), layers);
        // Views of the layers above, not registered, so they add nothing to the state_dict.
        var children = layers.children().Cast<Module<Tensor, Tensor>>().ToArray();
        (featureLayers, dense) = (children[..^1], (Linear)children[^1]);
        JudgesEachImageAlone = !children.Any(m => m is TorchSharp.Modules.BatchNorm2d);
    }

    /// <summary>The images it judges.</summary>
    public ImageShape Shape { get; }

    /// <summary>The rate of its Dropout layers (the tutorial's two; the paper's model has none).</summary>
    public double Dropout { get; }

    /// <summary>The size of <see cref="Features"/>: 7 * 7 * 128 in the tutorial's model, the last 4x4 layer's in the paper's.</summary>
    public int FeatureSize => (int)dense.in_features;

    /// <summary>Whether each image's logit depends on that image alone in training: no batch norm (the tutorial's
    /// model; the paper's normalises by the batch's statistics).</summary>
    internal bool JudgesEachImageAlone { get; }

    /// <summary>The layers in order, for inspection (tests check the shape after each).</summary>
    public Sequential Layers => layers;

    public override Tensor forward(Tensor images) => Judge(Features(images));

    /// <summary>The flattened output of the convolutions, [B, <see cref="FeatureSize"/>], that the final Dense layer judges.</summary>
    public Tensor Features(Tensor images) => featureLayers.Aggregate(images, (x, layer) => HeldScalars.Call(layer, x));

    /// <summary>The final Dense layer: the logit for <see cref="Features"/>.</summary>
    public Tensor Judge(Tensor features) => dense.call(features);
}
