using Dcgan.Diagnostics;
using Dcgan.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Dcgan.Tests;

public class KernelCheckTests
{
    /// <summary>A model shaped like ours (one Sequential child) around a layer under test.</summary>
    private sealed class Wrapped : Module<Tensor, Tensor>
    {
        private readonly Sequential layers;

        public Wrapped(Func<Module<Tensor, Tensor>> middle) : base(nameof(Wrapped))
        {
            layers = Sequential(("dense", Linear(6, 5)), ("middle", middle()), ("tanh", Tanh()));
            RegisterComponents();
        }

        public override Tensor forward(Tensor input) => layers.forward(input);
    }

    /// <summary>A layer that computes y = f(x) in float64 and something else in float32, as a wrong kernel would.</summary>
    private sealed class WrongInFloat32(Func<Tensor, Tensor> wrong) : Module<Tensor, Tensor>("wrong")
    {
        public override Tensor forward(Tensor x) => x.dtype == ScalarType.Float32 ? wrong(x) : x * 2;
    }

    /// <summary>y = w x with a weight w = 2, right in value and first derivatives in float32, but there the derivative
    /// of its input gradient with respect to w is 1 % off: what the R1 penalty's second derivative would get from a
    /// wrong kernel.</summary>
    private sealed class WrongSecondDerivativeInFloat32 : Module<Tensor, Tensor>
    {
        private readonly Parameter weight = Parameter(torch.tensor(2.0f));

        public WrongSecondDerivativeInFloat32() : base("wrong") => RegisterComponents();

        public override Tensor forward(Tensor x) => x.dtype != ScalarType.Float32 ? x * weight
            : x * (1.01 * weight - 0.01 * weight.detach()) - 0.01 * x.detach() * (weight - weight.detach());
    }

    private static List<LayerCheck> Check(Func<Tensor, Tensor> float32Version, bool training = true) =>
        Check(() => new WrongInFloat32(float32Version), training);

    private static List<LayerCheck> Check(Func<Module<Tensor, Tensor>> middle, bool training = true, bool secondOrder = false)
    {
        torch.manual_seed(1);
        using var model = new Wrapped(middle);
        var twin = new Wrapped(middle);
        twin.load_state_dict(model.state_dict());
        twin.to(float64);
        using var random = new torch.Generator(3);
        using var input = torch.randn(20, 6, dtype: float64);
        return [.. KernelCheck.Compare("Test", model, twin, input, new CheckedBatch(20, training, "test"), Precision.Fp32, random, secondOrder)];
    }

    [Fact]
    public void A_wrong_second_derivative_is_found_when_the_run_takes_second_derivatives()
    {
        var firstOrder = Check(() => new WrongSecondDerivativeInFloat32());
        var secondOrder = Check(() => new WrongSecondDerivativeInFloat32(), secondOrder: true);
        var right = Check(() => new WrongInFloat32(x => x * 2), secondOrder: true);

        Assert.All(firstOrder, c => Assert.True(c.Passed && c.SecondOrderError is null, $"{c.Layer}: {c.MaxError}"));
        var failed = Assert.Single(secondOrder, c => !c.Passed);
        Assert.Equal("middle", failed.Layer);
        Assert.True(failed.ForwardError < 1e-6 && failed.GradientError < 1e-6, $"{failed.ForwardError} {failed.GradientError}");
        Assert.InRange(failed.SecondOrderError!.Value, 0.005, 0.02); // 1 % of the derivative, over the largest value
        Assert.All(right, c => Assert.True(c.Passed && c.SecondOrderError < 1e-6, $"{c.Layer}: {c.SecondOrderError}")); // measured: null fails
    }

    [Fact]
    public void A_right_layer_passes()
    {
        var checks = Check(x => x * 2);

        Assert.Equal(["dense", "middle", "tanh"], checks.Select(c => c.Layer));
        Assert.All(checks, c => Assert.True(c.Passed && c.MaxError < 1e-6, $"{c.Layer}: {c.MaxError}"));
        KernelCheck.EnsurePassed(checks);
    }

    [Theory]
    [InlineData("output off by 1 %")]
    [InlineData("NaN")]
    [InlineData("gradient off by 1 %")]
    [InlineData("one image of the batch wrong")]
    public void A_wrong_float32_layer_is_found_and_refused_in_one_line(string wrongness)
    {
        Func<Tensor, Tensor> wrong = wrongness switch
        {
            "output off by 1 %" => x => x * 2.02,
            "NaN" => x => x * 2 + torch.tensor(float.NaN),
            "gradient off by 1 %" => x => x * 1.98 + x.detach() * 0.02,     // right values, wrong derivative
            _ => x => x * 2 + torch.zeros_like(x).index_fill_(0, torch.tensor(19L), 0.5), // the batch's last image
        };

        var checks = Check(wrong);

        // The first failure is the wrong layer (after a NaN the next layers see NaN too; otherwise each layer's
        // reference starts from the same input as the layer, so errors do not travel).
        var failed = checks.First(c => !c.Passed);
        Assert.Equal("middle", failed.Layer);
        Assert.True(checks[0].Passed);
        Assert.Equal(wrongness == "NaN", !checks[2].Passed);
        Assert.Equal(wrongness == "gradient off by 1 %", failed.ForwardError <= failed.Tolerance);
        var refusal = Assert.Throws<WrongArithmeticException>(() => KernelCheck.EnsurePassed(checks));
        Assert.Contains("test's middle wrong on this CPU", refusal.Message);
        Assert.Contains("ONEDNN_MAX_CPU_ISA=AVX2", refusal.Message);
        Assert.DoesNotContain('\n', refusal.Message);
    }

    [Fact]
    public void Sampling_batches_are_checked_forward_only()
    {
        var checks = Check(x => x * 2.02, training: false);

        Assert.All(checks, c => Assert.False(c.Backward));
        Assert.False(Assert.Single(checks, c => !c.Passed).Backward);
    }

    [Fact]
    public void The_models_are_checked_layer_by_layer_at_every_batch_size_and_the_random_state_is_untouched()
    {
        torch.manual_seed(123);
        using var before = torch.random.get_rng_state();
        CheckedBatch[] batches = [new(12, true, "training batch"), new(5, true, "last batch"), new(3, false, "grid")];

        var checks = KernelCheck.Run(Precision.Fp32, batches);

        using var after = torch.random.get_rng_state();
        Assert.True(Fixtures.Identical(before, after), "the check changed torch's random state: resumed runs would differ");
        // The generator's 12 layers at each size, the discriminator's 8 at the training sizes.
        Assert.Equal(12 * 3 + 8 * 2, checks.Count);
        Assert.Equal(new[] { "[12, 100]", "[5, 100]", "[3, 100]" }, checks.Where(c => c.Layer == "dense" && c.Model == "Generator").Select(c => c.InputShape));
        Assert.Contains(checks, c => c is { Model: "Discriminator", Layer: "conv2", InputShape: "[5, 64, 14, 14]", Backward: true });
        Assert.All(checks, c => Assert.True(double.IsFinite(c.MaxError), $"{c.Model} {c.Layer} {c.InputShape}: {c.MaxError}"));
    }

    [Theory]
    [InlineData(60_000, 256, new[] { 256, 96, 16, 500 })] // the tutorial's 234 full batches and one of 96
    [InlineData(512, 256, new[] { 256, 16, 500 })]        // no short batch
    [InlineData(100, 256, new[] { 100, 16, 500 })]        // fewer images than a batch
    public void A_run_is_checked_at_the_batch_sizes_it_uses(int images, int batchSize, int[] expected)
    {
        var batches = KernelCheck.BatchesOf(images, batchSize, 16, 500);

        Assert.Equal(expected, batches.Select(b => b.Size));
        Assert.Equal(expected.Length - 2, batches.Count(b => b.Training));
    }

    [Theory]
    [InlineData("sse4_1 avx avx2 fma", null, "AVX2")]
    [InlineData("sse4_1 avx avx2 fma avx512f avx512bw avx512vl avx512dq avx512_vnni avx512_bf16", null, "AVX512_CORE_BF16")]
    [InlineData("sse4_1 avx avx2 fma avx512f avx512bw avx512vl avx512dq avx512_vnni avx512_bf16", "avx2", "AVX2 (capped by ONEDNN_MAX_CPU_ISA=avx2)")]
    [InlineData("sse4_1 avx avx2 fma avx512f avx512bw avx512vl avx512dq avx512_vnni avx512_bf16", "AVX512_CORE", "AVX512_CORE (capped by ONEDNN_MAX_CPU_ISA=AVX512_CORE)")]
    [InlineData("sse4_1 avx avx2 fma", "AVX512_CORE", "AVX2 (capped by ONEDNN_MAX_CPU_ISA=AVX512_CORE)")]
    [InlineData("sse4_1 avx", "PENTIUM", "AVX (ONEDNN_MAX_CPU_ISA=PENTIUM is not a name oneDNN knows here)")]
    public void The_instruction_set_is_the_largest_the_cpu_has_within_the_cap(string flags, string? cap, string expected)
    {
        Assert.Equal(expected, MachineInfo.OneDnnIsaFor(flags.Split(' ').ToHashSet(), cap));
    }
}
