using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Dcgan.Models;

/// <summary>
/// A generator: 100 numbers of noise (drawn from <see cref="Latent"/>) -> an image of <see cref="Shape"/> in [-1, 1].
/// Two families: the tutorial's make_generator_model() for 28x28 gray (<see cref="Tutorial"/>) and the DCGAN paper's
/// for the other sizes (<see cref="Paper"/>); <see cref="For"/> picks the one a shape needs, the one place that choice
/// is made. Shapes are channels-first: Keras's (7, 7, 256) is torch's (256, 7, 7).
/// </summary>
public abstract class Generator : Module<Tensor, Tensor>
{
    public const int NoiseDim = 100;

    /// <summary>pytorch/examples' ngf: the paper's generator's channels in its last hidden layer.</summary>
    public const int PaperWidth = 64;

    // Registered by name below, in this order, so the state_dict's keys are those of earlier versions' checkpoints.
    private readonly Sequential layers;
    private readonly ModuleDict<ClassModulation>? modulations;

    /// <summary>The tutorial's generator, fed from <paramref name="latent"/> (Gaussian noise when null). With
    /// <paramref name="classBatchNorm"/> (a latent with categories only), each batch norm's scale and shift also depend
    /// on the input's category (conditional batch norm, de Vries et al. 2017; see <see cref="ClassModulation"/>).</summary>
    public static Generator Tutorial(Latent? latent = null, bool classBatchNorm = false) => new TutorialGenerator(latent, classBatchNorm);

    /// <summary>The DCGAN paper's generator of images of <paramref name="shape"/>, <paramref name="width"/> channels in
    /// its last hidden layer (pytorch/examples' ngf).</summary>
    public static Generator Paper(ImageShape shape, int width = PaperWidth, Latent? latent = null, bool classBatchNorm = false) =>
        new PaperGenerator(shape, width, latent, classBatchNorm);

    /// <summary>The generator of images of <paramref name="shape"/>: the tutorial's for 28x28 gray (which has fixed
    /// widths, so <paramref name="width"/> is not used), else the paper's.</summary>
    public static Generator For(ImageShape shape, int width, Latent? latent = null, bool classBatchNorm = false) =>
        shape.IsTutorial ? Tutorial(latent, classBatchNorm) : Paper(shape, width, latent, classBatchNorm);

    /// <summary>Wraps a family's <paramref name="layers"/>, built before this runs (their weights are drawn first, as
    /// before families were types of their own); the family initialises the weights after.</summary>
    private protected Generator(ImageShape shape, Sequential layers, Latent? latent, bool classBatchNorm) : base(nameof(Generator))
    {
        Latent = latent ?? Latent.Gaussian;
        if (classBatchNorm && Latent.Categories == 0)
        {
            throw new ArgumentException("conditional batch norm needs a latent with categories.", nameof(classBatchNorm));
        }
        Shape = shape;
        this.layers = layers;
        modulations = classBatchNorm
            ? ModuleDict([.. layers.named_children().Where(c => c.module is TorchSharp.Modules.BatchNorm1d or TorchSharp.Modules.BatchNorm2d)
                .Select(c => (c.name, new ClassModulation(Latent.Categories, Features(c.module))))])
            : null;
        register_module(nameof(layers), layers);
        if (modulations is not null)
        {
            register_module(nameof(modulations), modulations);
        }
    }

    /// <summary>The channels (or features) a batch norm normalises.</summary>
    private static int Features(Module batchNorm) => (int)(batchNorm switch
    {
        TorchSharp.Modules.BatchNorm1d b => b.running_mean!.shape[0],
        TorchSharp.Modules.BatchNorm2d b => b.running_mean!.shape[0],
        _ => throw new ArgumentException("not a batch norm", nameof(batchNorm)),
    });

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
        using var scope = torch.NewDisposeScope();
        var categories = modulations is null ? null : noise.narrow(1, 0, Latent.Categories); // the one-hot part of the input
        var x = noise;
        foreach (var (name, layer) in layers.named_children())
        {
            x = HeldScalars.Call((Module<Tensor, Tensor>)layer, x);
            if (modulations is not null && modulations.TryGetValue(name, out var modulation))
            {
                x = modulation.call(x, categories!);
            }
        }
        return x.MoveToOuterDisposeScope();
    }
}
