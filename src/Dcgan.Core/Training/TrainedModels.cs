using Dcgan.Models;
using Generator = Dcgan.Models.Generator;

namespace Dcgan.Training;

/// <summary>A checkpoint's models without their training state: what sampling and export need. The average
/// generator is there when the recipe keeps one.</summary>
public sealed record TrainedModels(Generator Generator, Discriminator Discriminator, Generator? AverageGenerator, Recipe Recipe, int Epoch)
    : IDisposable
{
    /// <summary>The generator of the weights asked for (null: the recipe's choice, the average when there is one).
    /// Throws ArgumentException when the average is asked for and the checkpoint has none.</summary>
    public Generator Weights(SamplingWeights? weights) =>
        (weights ?? (AverageGenerator is null ? SamplingWeights.Raw : SamplingWeights.Ema)) switch
        {
            SamplingWeights.Raw => Generator,
            _ => AverageGenerator ?? throw new ArgumentException(
                $"this checkpoint's recipe ({Recipe.Name}) keeps no moving average of the generator's weights; sample the raw weights."),
        };

    public void Dispose()
    {
        Generator.Dispose();
        Discriminator.Dispose();
        AverageGenerator?.Dispose();
    }
}

/// <summary>Which of a checkpoint's generators to sample from.</summary>
public enum SamplingWeights
{
    /// <summary>The weights as trained.</summary>
    Raw,

    /// <summary>The moving average of the weights (the recipe's EmaDecay).</summary>
    Ema,
}
