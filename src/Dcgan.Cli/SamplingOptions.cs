using System.CommandLine;
using Dcgan.Models;
using Dcgan.Training;

namespace Dcgan.Cli;

/// <summary>--weights ema|raw and --bn moving|precise|batch: which generator of a checkpoint to sample from, and with
/// which batch-norm statistics. Both default to the checkpoint's recipe.</summary>
internal sealed class SamplingOptions(bool withBatchNorm = true)
{
    private readonly Option<string> weights = new Option<string>("--weights")
    {
        Description = "ema (the moving average of the generator's weights) or raw (as trained); default: the recipe's (ema when it keeps one)",
    }.OneOf("ema", "raw");

    private readonly Option<string> batchNorm = new Option<string>("--bn")
    {
        Description = "Batch-norm statistics: moving (the tutorial's training=False), precise (re-estimated for these weights) " +
            "or batch (each batch's own); default: the recipe's",
    }.OneOf("moving", "precise", "batch");

    public void AddTo(Command command)
    {
        command.Options.Add(weights);
        if (withBatchNorm)
        {
            command.Options.Add(batchNorm);
        }
    }

    /// <summary>The weights asked for; null: the recipe's choice.</summary>
    public SamplingWeights? Weights(ParseResult parsed) =>
        parsed.GetValue(weights) switch { "ema" => SamplingWeights.Ema, "raw" => SamplingWeights.Raw, _ => null };

    /// <summary>The generator asked for (ArgumentException if the checkpoint lacks it).</summary>
    public Models.Generator Generator(ParseResult parsed, TrainedModels models) => models.Weights(Weights(parsed));

    /// <summary>The batch-norm statistics asked for; null: the recipe's.</summary>
    public BatchNormMode? BatchNormGiven(ParseResult parsed) =>
        parsed.GetValue(batchNorm) switch
        {
            "moving" => BatchNormMode.Moving,
            "precise" => BatchNormMode.Precise,
            "batch" => BatchNormMode.Batch,
            _ => null,
        };

    public BatchNormMode BatchNorm(ParseResult parsed, TrainedModels models) => BatchNormGiven(parsed) ?? models.Recipe.SamplingBatchNorm;
}
