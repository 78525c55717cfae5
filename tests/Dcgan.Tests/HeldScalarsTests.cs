using Dcgan.Models;
using Dcgan.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dcgan.Tests;

/// <summary>What the library computes in place of TorchSharp's own LeakyReLU and batch-norm forwards and Adam step, to
/// hold the Scalars those would let go (HeldScalars.cs), is what they compute: the same numbers and the same state,
/// bit for bit, in float64.</summary>
public class HeldScalarsTests
{
    public static TheoryData<string, bool> Layers => new()
    {
        { "leaky 0.3", true }, { "leaky 0.2, in place", true },
        { "batch norm 1d", true }, { "batch norm 1d", false }, { "batch norm 2d", true }, { "batch norm 2d", false },
        { "batch norm 2d, cumulative average", true },
    };

    private static nn.Module<Tensor, Tensor> Make(string name) => name switch
    {
        "leaky 0.3" => nn.LeakyReLU(0.3),
        "leaky 0.2, in place" => nn.LeakyReLU(0.2, inplace: true),
        "batch norm 1d" => nn.BatchNorm1d(6, eps: 1e-3, momentum: 0.01),
        "batch norm 2d" => nn.BatchNorm2d(6, eps: 1e-3, momentum: 0.01),
        "batch norm 2d, cumulative average" => Cumulative(nn.BatchNorm2d(6)), // the factor is 1 / batches seen
        _ => throw new ArgumentException(name),
    };

    private static BatchNorm2d Cumulative(BatchNorm2d norm)
    {
        norm.momentum = null;
        return norm;
    }

    [Theory]
    [MemberData(nameof(Layers))]
    public void A_layer_run_with_held_scalars_gives_what_its_own_forward_gives(string name, bool training)
    {
        using var held = Make(name).to(float64);
        using var own = Make(name).to(float64);
        held.train(training);
        own.train(training);
        using var random = new torch.Generator(5);
        for (int pass = 0; pass < 3; pass++)
        {
            using var x = torch.randn(name.Contains("1d", StringComparison.Ordinal) ? [8, 6] : [8, 6, 4, 4], dtype: float64, generator: random);
            using var copy = x.clone();
            using var mine = HeldScalars.Call(held, x);
            using var theirs = own.call(copy);
            Assert.True(Fixtures.Identical(theirs, mine), $"{name}, pass {pass + 1}");
        }
        foreach (var ((key, mine), (_, theirs)) in held.state_dict().Zip(own.state_dict()))
        {
            Assert.True(Fixtures.Identical(theirs, mine), $"{name}: {key}"); // running statistics and batches counted
        }
        if (held is BatchNorm2d { num_batches_tracked: { } counted })
        {
            Assert.Equal(training ? 3 : 0, counted.item<long>());
        }
    }

    [Fact]
    public void Adam_stepped_with_held_scalars_moves_weights_and_state_as_torchs_own_step_does()
    {
        using var random = new torch.Generator(3);
        using var start = torch.randn([5, 4], dtype: float64, generator: random);
        var held = new Parameter(start.clone());
        var own = new Parameter(start.clone());
        using var heldAdam = torch.optim.Adam([held], 0.01, 0.5, 0.99, 1e-7);
        using var ownAdam = torch.optim.Adam([own], 0.01, 0.5, 0.99, 1e-7);
        var schedule = torch.optim.lr_scheduler.ExponentialLR(heldAdam, 0.8); // the evaluator's: the step reads the group's rate
        var ownSchedule = torch.optim.lr_scheduler.ExponentialLR(ownAdam, 0.8);
        for (int step = 0; step < 4; step++)
        {
            using var gradient = torch.randn([5, 4], dtype: float64, generator: random).mul(torch.tensor(1e-3 * (step + 1), dtype: float64));
            held.grad = gradient.clone();
            own.grad = gradient.clone();
            KerasAdam.StepHoldingScalars(heldAdam);
            ownAdam.step();
            schedule.step();
            ownSchedule.step();
        }
        Assert.True(Fixtures.Identical(own, held));
        var (mine, theirs) = ((Adam.State)heldAdam.state_dict().State[0], (Adam.State)ownAdam.state_dict().State[0]);
        Assert.Equal(4, mine.step);
        Assert.Equal(theirs.step, mine.step);
        Assert.True(Fixtures.Identical(theirs.exp_avg, mine.exp_avg));
        Assert.True(Fixtures.Identical(theirs.exp_avg_sq, mine.exp_avg_sq));
        Assert.False(Fixtures.Identical(start, held)); // it moved
    }
}
