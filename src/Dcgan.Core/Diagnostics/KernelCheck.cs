using Dcgan.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Generator = Dcgan.Models.Generator;

namespace Dcgan.Diagnostics;

/// <summary>One layer at one batch size of a run in <paramref name="Run"/> precision: its result and gradients in
/// the arithmetic it computes in there (<paramref name="Precision"/>: under bf16, the layers that touch the image stay
/// fp32) against float64's, and when asked the gradients of its input gradient (what the R1 penalty differentiates;
/// null when not checked). Errors are the largest difference over the largest value of the float64 result; NaN fails.</summary>
public sealed record LayerCheck(string Model, string Layer, string InputShape, Precision Run, Precision Precision, bool Backward,
    double ForwardError, double GradientError, double Tolerance, double? SecondOrderError = null)
{
    public double MaxError => Math.Max(Math.Max(ForwardError, GradientError), SecondOrderError ?? 0);

    public bool Passed => MaxError <= Tolerance; // false for NaN
}

/// <summary>A batch size a run will use, and whether it trains (forward and backward, batch statistics) or samples
/// (forward only, inference mode).</summary>
public readonly record struct CheckedBatch(int Size, bool Training, string Why);

/// <summary>The self-check found a layer whose arithmetic is wrong on this CPU: which layer, in which arithmetic, by
/// how much (relative to the largest value) against what is allowed.</summary>
public sealed class WrongArithmeticException : Exception
{
    public WrongArithmeticException(LayerCheck failed)
        : base(
            $"the self-check found the {failed.Model.ToLowerInvariant()}'s {failed.Layer} wrong on this CPU ({failed.Precision.ToString().ToLowerInvariant()}, input " +
            $"{failed.InputShape}: error {failed.MaxError:G2}, allowed {failed.Tolerance:G2}); training on it would be silently wrong. " +
            (failed.Run == Precision.Bf16 ? "Train in fp32 precision, or " : "Try ") +
            "setting ONEDNN_MAX_CPU_ISA=AVX2 in the environment; 'dcgan doctor' shows every layer.")
    {
        Failed = failed;
    }

    public LayerCheck Failed { get; }

    public string Model => Failed.Model;
    public string Layer => Failed.Layer;
    public Precision Precision => Failed.Precision;
    public double Error => Failed.MaxError;
    public double Allowed => Failed.Tolerance;
}

/// <summary>
/// Checks libtorch's kernels where the tool runs: every layer of both models, forward and (for training batches)
/// backward, in the precision a run uses, against the same layer in float64. libtorch computes float64 itself,
/// while float32 and bf16 go through oneDNN, whose kernels are chosen per CPU: on AMD Zen 5, oneDNN 3.7's
/// float32 transposed convolution with few input channels is wrong by up to 100 % of the output. A wrong kernel
/// ruins a run without a sign; this finds it in a second.
/// </summary>
public static class KernelCheck
{
    /// <summary>float32 against float64: about 1e-6 of the largest value in sums of thousands of terms; a wrong
    /// kernel is off by 1e-2 or more.</summary>
    public const double Float32Tolerance = 1e-4;

    /// <summary>bf16 keeps 8 bits of mantissa (each operand off by up to 2^-9 = 0.2 %); on this model's layers the
    /// error measured 0.4 % of the largest value with oneDNN's AVX-512 kernels and 0.9 % with its AVX2 ones.</summary>
    public const double Bf16Tolerance = 3e-2;

    /// <summary>The batch sizes a training run uses: its batch, the short last batch, the grid and the block
    /// that sampling for evaluation uses.</summary>
    public static IReadOnlyList<CheckedBatch> BatchesOf(int images, int batchSize, int gridExamples, int sampleBlock)
    {
        var batches = new List<CheckedBatch> { new(Math.Min(batchSize, images), true, "training batch") };
        if (images > batchSize && images % batchSize != 0)
        {
            batches.Add(new(images % batchSize, true, "last batch"));
        }
        batches.Add(new(gridExamples, false, "grid"));
        batches.Add(new(sampleBlock, false, "sampling block"));
        return batches;
    }

    /// <summary>Checks both models at each batch size: the tutorial's, or with <paramref name="shape"/> the models of
    /// that shape (the paper's, of <paramref name="width"/>). Fresh models of their initial weights are used
    /// (kernels depend on shapes, not values), and torch's global random state is left as it was, so a run that
    /// checks first stays bit for bit the run that does not. <paramref name="secondOrder"/> also checks the
    /// discriminator's second derivatives at the training batches, which a recipe with an R1 penalty takes.</summary>
    public static IReadOnlyList<LayerCheck> Run(Precision precision, IEnumerable<CheckedBatch> batches, long seed = 0, bool secondOrder = false,
        ImageShape? shape = null, int width = Generator.PaperWidth)
    {
        shape ??= ImageShape.Tutorial;
        // The models' first weights (and any dropout) from a generator of the seed's: torch's global one is untouched.
        using var weights = new torch.Generator((ulong)seed);
        using (RandomLoan.Of(weights))
        {
            using var random = new torch.Generator((ulong)seed);
            using var generator = Generator.For(shape, width);
            using var discriminator = Discriminator.For(shape, width);
            using var generator64 = Twin(generator, () => Generator.For(shape, width));
            using var discriminator64 = Twin(discriminator, () => Discriminator.For(shape, width));
            var results = new List<LayerCheck>();
            foreach (var batch in batches)
            {
                using var scope = torch.NewDisposeScope();
                var noise = torch.randn([batch.Size, Generator.NoiseDim], dtype: float64, generator: random);
                var images = torch.randn([batch.Size, shape.Channels, shape.Size, shape.Size], dtype: float64, generator: random).tanh_();
                results.AddRange(Compare("Generator", generator, generator64, noise, batch, precision, random));
                if (batch.Training)
                {
                    results.AddRange(Compare("Discriminator", discriminator, discriminator64, images, batch, precision, random, secondOrder));
                }
            }
            return results;
        }
    }

    /// <summary>Throws <see cref="WrongArithmeticException"/> for the first failed layer.</summary>
    public static void EnsurePassed(IEnumerable<LayerCheck> checks)
    {
        if (checks.FirstOrDefault(c => !c.Passed) is { } failed)
        {
            throw new WrongArithmeticException(failed);
        }
    }

    /// <summary>A float64 copy of a model, with the same weights.</summary>
    private static T Twin<T>(T model, Func<T> create) where T : nn.Module
    {
        var twin = create();
        twin.load_state_dict(model.state_dict());
        twin.to(float64);
        return twin;
    }

    /// <summary>Checks a model layer by layer against its float64 twin. Each layer gets the float32 model's input to
    /// it, and so does its float64 twin: a layer's error is its own.</summary>
    internal static IEnumerable<LayerCheck> Compare<T>(string name, T model, T twin, Tensor input, CheckedBatch batch,
        Precision precision, torch.Generator random, bool secondOrder = false) where T : nn.Module<Tensor, Tensor>
    {
        MixedPrecision.Set(model, precision);
        SetModes(model, batch.Training);
        SetModes(twin, batch.Training);
        var layers = model.named_children().Single().module.named_children().ToList();
        var references = twin.named_children().Single().module.named_children().ToList();
        var results = new List<LayerCheck>();
        var x = input.to(float32);
        for (int i = 0; i < layers.Count; i++)
        {
            var layer = (nn.Module<Tensor, Tensor>)layers[i].module;
            var reference = (nn.Module<Tensor, Tensor>)references[i].module;
            var arithmetic = layer is IMixedPrecision { Precision: Precision.Bf16 } ? Precision.Bf16 : Precision.Fp32;
            // A scope per layer: what a layer's check made (its graphs, gradients, float64 copies) is freed before the
            // next layer's, and only its output goes on. Kept for the whole batch, the 500-image sampling block's
            // layers at 128x128 held 14 GB at once.
            using var layerScope = torch.NewDisposeScope();
            var (forward, gradient, second, output) = CompareLayer(layer, reference, x, batch.Training, secondOrder && batch.Training, random);
            results.Add(new LayerCheck(name, layers[i].name, $"[{string.Join(", ", x.shape)}]", precision, arithmetic, batch.Training, forward, gradient,
                arithmetic == Precision.Bf16 ? Bf16Tolerance : Float32Tolerance, second));
            var previous = x;
            x = output.MoveToOuterDisposeScope();
            if (i > 0)
            {
                previous.Dispose(); // an earlier layer's output; the first is the caller's input (or made from it)
            }
        }
        SetModes(model, training: true);
        return results;
    }

    /// <summary>Batch norm as in training (batch statistics) or sampling (moving statistics); dropout off in both,
    /// since its masks are random numbers and its arithmetic is one product.</summary>
    private static void SetModes(nn.Module model, bool training)
    {
        model.train(training);
        foreach (var dropout in model.modules().OfType<FastDropout>())
        {
            dropout.eval();
        }
    }

    /// <summary>How many images of a batch the float64 reference computes, the first and the last half of them:
    /// layers other than training-mode batch norm treat images one by one, so the float32 kernel runs on the whole
    /// batch, as in training, while float64 (several times slower) needs only these. Kernels that split batches into
    /// blocks go wrong at the ends, which are checked.</summary>
    private const int ReferenceImages = 8;

    /// <summary>The forward error, the largest gradient error (input and every parameter, for a random output
    /// gradient), the largest second-order error (see <see cref="SecondOrderError"/>; null unless asked) and the
    /// float32 output, detached, for the next layer.</summary>
    private static (double Forward, double Gradient, double? SecondOrder, Tensor Output) CompareLayer(nn.Module<Tensor, Tensor> layer,
        nn.Module<Tensor, Tensor> reference, Tensor input, bool backward, bool secondOrder, torch.Generator random)
    {
        using var noGrad = backward ? null : torch.no_grad();
        long batch = input.shape[0];
        bool wholeBatch = backward && layer is BatchNorm1d or BatchNorm2d || batch <= ReferenceImages;
        using var scalars = new HeldScalars();
        using var rows = wholeBatch ? scalars.Range(batch)
            : torch.cat([scalars.Range(ReferenceImages / 2), scalars.Range(ReferenceImages / 2).add_(scalars.Of(batch - ReferenceImages / 2), scalars.One)]);

        var x32 = input.detach().requires_grad_(backward);
        var x64 = input.detach().index_select(0, rows).to(float64).requires_grad_(backward);
        var y32 = HeldScalars.Call(layer, x32);
        var y64 = HeldScalars.Call(reference, x64);
        double forward = Error(y32.index_select(0, rows), y64);
        double gradient = 0;
        double? second = null;
        if (backward)
        {
            // The gradient flows back from the reference images only, so the float32 parameter gradients are the sums
            // over the same images as float64's.
            var (gradOutput, gradOutput32) = RandomOnRows(y64, y32, rows, random);
            gradOutput.requires_grad_(secondOrder);
            gradOutput32.requires_grad_(secondOrder);
            var grads64 = torch.autograd.grad([y64], [x64, .. reference.parameters()], [gradOutput], create_graph: secondOrder);
            var grads32 = torch.autograd.grad([y32], [x32, .. layer.parameters()], [gradOutput32], create_graph: secondOrder);
            gradient = LargestError(grads32, grads64, rows);
            if (secondOrder)
            {
                second = SecondOrderError(grads32[0], grads64[0], [gradOutput32, .. layer.parameters()], [gradOutput, .. reference.parameters()], rows, random);
            }
        }
        return (forward, gradient, second, y32.detach());
    }

    /// <summary>The R1 penalty differentiates the discriminator's input gradient with respect to its parameters: in
    /// each layer, the derivative of the layer's input gradient with respect to its weights and to the gradient coming
    /// into it, for a random direction. Parameters the input gradient does not depend on (biases) are skipped.</summary>
    private static double SecondOrderError(Tensor inputGradient32, Tensor inputGradient64, Tensor[] with32, Tensor[] with64,
        Tensor rows, torch.Generator random)
    {
        var (direction, direction32) = RandomOnRows(inputGradient64, inputGradient32, rows, random);
        var second64 = torch.autograd.grad([inputGradient64], with64, [direction], allow_unused: true);
        var second32 = torch.autograd.grad([inputGradient32], with32, [direction32], allow_unused: true);
        return LargestError(second32, second64, rows);
    }

    /// <summary>A random float64 tensor shaped like <paramref name="like64"/> (the reference images), and the float32
    /// one shaped like <paramref name="like32"/> (the whole batch) that holds it on the reference rows and zeros
    /// elsewhere.</summary>
    private static (Tensor Reference, Tensor Whole) RandomOnRows(Tensor like64, Tensor like32, Tensor rows, torch.Generator random)
    {
        var reference = torch.randn(like64.shape, dtype: float64, generator: random);
        return (reference, torch.zeros_like(like32).index_copy_(0, rows, reference.to(float32)));
    }

    /// <summary>The largest error of float32 gradients against float64's; the first (an input's, over the whole batch)
    /// is compared on the reference rows. A gradient that one arithmetic has and the other lacks (allow_unused) is
    /// wrong; one that both lack is skipped. NaN stays NaN.</summary>
    private static double LargestError(IList<Tensor> grads32, IList<Tensor> grads64, Tensor rows)
    {
        double most = 0;
        for (int i = 0; i < grads64.Count; i++)
        {
            if (grads64[i].IsInvalid != grads32[i].IsInvalid)
            {
                return double.NaN;
            }
            if (!grads64[i].IsInvalid)
            {
                var actual = i == 0 ? grads32[i].index_select(0, rows) : grads32[i];
                most = Math.Max(most, Error(actual.detach(), grads64[i].detach()));
            }
        }
        return most;
    }

    private static double Error(Tensor actual, Tensor expected)
    {
        double scale = expected.abs().max().item<double>();
        double difference = (actual.to(float64) - expected).abs().max().item<double>();
        return scale > 0 ? difference / scale : difference;
    }
}
