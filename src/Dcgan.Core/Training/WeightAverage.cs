using Dcgan.Models;
using TorchSharp;

namespace Dcgan.Training;

/// <summary>
/// The moving average of a generator's weights that some recipes sample from (EmaDecay): a frozen copy of the
/// generator, moved towards its weights after every step.
/// </summary>
internal static class WeightAverage
{
    /// <summary>A copy of <paramref name="generator"/> at its weights now, in the recipe's precision, that no
    /// gradient updates.</summary>
    public static Generator Start(Generator generator, Recipe recipe)
    {
        var average = recipe.NewGenerator();
        MixedPrecision.Set(average, recipe.Precision);
        average.load_state_dict(generator.state_dict());
        foreach (var parameter in average.parameters())
        {
            parameter.requires_grad = false; // updated by Update, never by gradients
        }
        return average;
    }

    /// <summary>average = decay * average + (1 - decay) * weights, decay = min(<paramref name="decayCap"/>, (1 + t) /
    /// (10 + t)) after step t; batch-norm statistics are copied, not averaged.</summary>
    public static void Update(Generator average, Generator generator, double decayCap, long step)
    {
        using var noGrad = torch.no_grad();
        double decay = Math.Min(decayCap, (1.0 + step) / (10.0 + step));
        using var scalars = new HeldScalars();
        var (keep, take) = (scalars.Of(decay), scalars.Of(1 - decay));
        foreach (var (averaged, weight) in average.parameters().Zip(generator.parameters()))
        {
            averaged.mul_(keep).add_(weight, alpha: take);
        }
        foreach (var (averaged, statistic) in average.buffers().Zip(generator.buffers()))
        {
            averaged.copy_(statistic);
        }
    }
}
