using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Dcgan.Models;

/// <summary>
/// The tutorial's make_discriminator_model(): a 28x28 image -> one logit (positive: "real"); for any other
/// <see cref="ImageShape"/>, the DCGAN paper's discriminator (<see cref="PaperModels"/>).
/// </summary>
public sealed class Discriminator : Module<Tensor, Tensor>
{
    /// <summary>layers.Dropout(0.3): the tutorial's rate.</summary>
    public const double DropoutRate = 0.3;

    private readonly Sequential layers;

    /// <summary>The tutorial's discriminator; <paramref name="dropoutRate"/> is its two Dropout layers' rate (at 0 they
    /// pass their input through, and the model's layers and weights are the same).</summary>
    public Discriminator(double dropoutRate = DropoutRate) : this(ImageShape.Tutorial, Generator.PaperWidth, dropoutRate)
    {
    }

    /// <summary>The discriminator of images of <paramref name="shape"/>: the tutorial's for 28x28 gray, else the DCGAN
    /// paper's, <paramref name="width"/> channels in its first layer (pytorch/examples' ndf), which has no dropout.</summary>
    public Discriminator(ImageShape shape, int width, double dropoutRate = 0) : base(nameof(Discriminator))
    {
        if (shape.Problem() is { } problem)
        {
            throw new ArgumentException(problem, nameof(shape));
        }
        if (!shape.IsTutorial && dropoutRate != 0)
        {
            throw new ArgumentException("the paper's discriminator has no dropout.", nameof(dropoutRate));
        }
        if (!shape.IsTutorial && width < 1)
        {
            throw new ArgumentException($"the paper's discriminator needs a width of at least 1 (got {width}).", nameof(width));
        }
        Shape = shape;
        Dropout = dropoutRate;
        layers = shape.IsTutorial ? MakeDiscriminatorModel(dropoutRate) : Sequential(PaperModels.Discriminator(shape, width));
        RegisterComponents();
        if (shape.IsTutorial)
        {
            Keras.InitializeAsKeras(this);
        }
        else
        {
            PaperModels.Initialize(this);
        }
        // Kept after RegisterComponents, so these views of the layers above add nothing to the state_dict.
        var children = layers.children().Cast<Module<Tensor, Tensor>>().ToArray();
        (featureLayers, dense) = (children[..^1], (Linear)children[^1]);
        JudgesEachImageAlone = !children.Any(m => m is TorchSharp.Modules.BatchNorm2d);
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

    /// <summary>The images it judges.</summary>
    public ImageShape Shape { get; }

    /// <summary>The rate of its Dropout layers (the tutorial's two; the paper's model has none).</summary>
    public double Dropout { get; }

    private readonly Module<Tensor, Tensor>[] featureLayers;
    private readonly Linear dense;

    /// <summary>The size of <see cref="Features"/>: 7 * 7 * 128 in the tutorial's model, the last 4x4 layer's in the paper's.</summary>
    public int FeatureSize => (int)dense.in_features;

    /// <summary>Whether each image's logit depends on that image alone in training: no batch norm (the tutorial's
    /// model; the paper's normalises by the batch's statistics).</summary>
    internal bool JudgesEachImageAlone { get; }

    /// <summary>The layers in order, for inspection (tests check the shape after each).</summary>
    public Sequential Layers => layers;

    public override Tensor forward(Tensor images) => Judge(Features(images));

    /// <summary>The flattened output of the convolutions, [B, <see cref="FeatureSize"/>], that the final Dense layer judges.</summary>
    public Tensor Features(Tensor images) => featureLayers.Aggregate(images, (x, layer) => layer.call(x));

    /// <summary>The final Dense layer: the logit for <see cref="Features"/>.</summary>
    public Tensor Judge(Tensor features) => dense.call(features);
}
