using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Dcgan.Models;

/// <summary>
/// The tutorial's make_generator_model(): 100 numbers of noise -> a 28x28 image in [-1, 1]; for any other
/// <see cref="ImageShape"/>, the DCGAN paper's generator (<see cref="PaperModels"/>).
/// Shapes are channels-first: Keras's (7, 7, 256) is torch's (256, 7, 7).
/// </summary>
public sealed class Generator : Module<Tensor, Tensor>
{
    public const int NoiseDim = 100;

    /// <summary>pytorch/examples' ngf: the paper's generator's channels in its last hidden layer.</summary>
    public const int PaperWidth = 64;

    private readonly Sequential layers;

    /// <summary>The tutorial's generator, fed from <paramref name="latent"/> (Gaussian noise when null). With
    /// <paramref name="classBatchNorm"/> (a latent with categories only), each batch norm's scale and shift also depend
    /// on the input's category (conditional batch norm, de Vries et al. 2017; see <see cref="ClassModulation"/>).</summary>
    public Generator(Latent? latent = null, bool classBatchNorm = false) : this(ImageShape.Tutorial, PaperWidth, latent, classBatchNorm)
    {
    }

    /// <summary>The generator of images of <paramref name="shape"/>: the tutorial's for 28x28 gray, else the DCGAN
    /// paper's, <paramref name="width"/> channels in its last hidden layer.</summary>
    public Generator(ImageShape shape, int width, Latent? latent = null, bool classBatchNorm = false) : base(nameof(Generator))
    {
        if (shape.Problem() is { } problem)
        {
            throw new ArgumentException(problem, nameof(shape));
        }
        Latent = latent ?? Latent.Gaussian;
        if (classBatchNorm && Latent.Categories == 0)
        {
            throw new ArgumentException("conditional batch norm needs a latent with categories.", nameof(classBatchNorm));
        }
        if (!shape.IsTutorial && width < 1)
        {
            throw new ArgumentException($"the paper's generator needs a width of at least 1 (got {width}).", nameof(width));
        }
        Shape = shape;
        layers = shape.IsTutorial ? MakeGeneratorModel() : Sequential(PaperModels.Generator(shape, width, NoiseDim));
        modulations = classBatchNorm
            ? ModuleDict([.. layers.named_children().Where(c => c.module is TorchSharp.Modules.BatchNorm1d or TorchSharp.Modules.BatchNorm2d)
                .Select(c => (c.name, new ClassModulation(Latent.Categories, Features(c.module))))])
            : null;
        RegisterComponents();
        if (shape.IsTutorial)
        {
            Keras.InitializeAsKeras(this);
        }
        else
        {
            PaperModels.Initialize(this);
        }
    }

    /// <summary>The channels (or features) a batch norm normalises.</summary>
    private static int Features(Module batchNorm) => (int)(batchNorm switch
    {
        TorchSharp.Modules.BatchNorm1d b => b.running_mean!.shape[0],
        TorchSharp.Modules.BatchNorm2d b => b.running_mean!.shape[0],
        _ => throw new ArgumentException("not a batch norm", nameof(batchNorm)),
    });

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

    private readonly ModuleDict<ClassModulation>? modulations;

    /// <summary>The images it makes.</summary>
    public ImageShape Shape { get; }

    /// <summary>Whether the batch norms' scale and shift depend on the category.</summary>
    public bool ClassBatchNorm => modulations is not null;

    /// <summary>The class modulation after the batch norm named <paramref name="batchNorm"/> (bn1, bn2, ...), if any.</summary>
    internal ClassModulation? ModulationAfter(string batchNorm) =>
        modulations is not null && modulations.TryGetValue(batchNorm, out var modulation) ? modulation : null;

    /// <summary>What the generator's input is drawn from; not a weight, so not in its state_dict.</summary>
    public Latent Latent { get; }

    /// <summary>The layers in order, for inspection (tests check the shape after each).</summary>
    public Sequential Layers => layers;

    public override Tensor forward(Tensor noise)
    {
        if (modulations is null)
        {
            return layers.forward(noise);
        }
        using var scope = torch.NewDisposeScope();
        var categories = noise.narrow(1, 0, Latent.Categories); // the one-hot part of the input
        var x = noise;
        foreach (var (name, layer) in layers.named_children())
        {
            x = ((Module<Tensor, Tensor>)layer).call(x);
            if (modulations.TryGetValue(name, out var modulation))
            {
                x = modulation.call(x, categories);
            }
        }
        return x.MoveToOuterDisposeScope();
    }
}
