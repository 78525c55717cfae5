using System.Globalization;
using System.Text.Json;
using Dcgan.Data;
using Dcgan.Generation;
using Dcgan.Runs;
using Dcgan.Training;

namespace Dcgan.Evaluation;

/// <summary>
/// Generated images judged against real ones: the evaluator, the reference (held-out real images, judged once), and
/// the real-data floor measured against it (training images, as many: what a perfect generator would reach). Neither
/// changes during a run, so a run's evaluations are prepared once. As an <see cref="IEpochEvaluation"/> it measures
/// a training run's generator on a fixed noise seed, every time the same noise.
/// </summary>
public sealed class Comparison : IEpochEvaluation, IDisposable
{
    private readonly Evaluator judge;
    private readonly Reference reference;

    private Comparison(Evaluator judge, Reference reference, SetMetrics floor)
    {
        (this.judge, this.reference, Floor) = (judge, reference, floor);
    }

    public SetMetrics Floor { get; }

    /// <summary>The fewest images on each side that the metrics can be computed from (ten splits of the score,
    /// neighbours for precision and recall, a covariance for the distance).</summary>
    public const int MinImages = 20;

    /// <summary>How many images each side holds.</summary>
    public int Count => reference.Count;

    /// <summary>The first <paramref name="count"/> images of <paramref name="real"/> as the reference, and as many of
    /// <paramref name="floorImages"/> measured against it. The evaluator becomes the comparison's, disposed with it.</summary>
    public static Comparison Prepare(Evaluator judge, ImageSet real, ImageSet floorImages, int count)
    {
        Evaluator.CheckImages(real, "the real held-out images");
        Evaluator.CheckImages(floorImages, "the training images (the real-data floor)");
        count = new[] { count, real.Count, floorImages.Count }.Min();
        if (count < MinImages)
        {
            throw new ArgumentException($"a comparison of {count} images is too small to measure; the metrics need at least {MinImages} on each side.");
        }
        using var test = real.Take(count).ToTensor();
        using var train = floorImages.Take(count).ToTensor();
        var reference = judge.Prepare(test);
        return new Comparison(judge, reference, judge.Measure(train, reference));
    }

    /// <summary>The comparison for a dataset, as train --eval-every and evaluate make it: the evaluator at
    /// <paramref name="evaluator"/> (default: the one 'dcgan evaluator train' saved for the dataset), the real images
    /// at <paramref name="reference"/> (default: the dataset's test split, held out from training), and the floor
    /// measured on <paramref name="floorImages"/>.</summary>
    public static Comparison ForDataset(DataRequest request, ImageSet floorImages, string? evaluator, string? reference, int count,
        DataLoader? load = null, Action<string>? note = null)
    {
        var judge = Evaluator.Load(evaluator ?? Evaluator.DefaultPath(request.Dataset), note);
        try
        {
            var real = reference is not null
                ? IdxFile.ReadImages(reference)
                : (load ?? DataSource.Loader)(request with { Images = null, Labels = null }, Split.Test).Images;
            return Prepare(judge, real, floorImages, count);
        }
        catch
        {
            judge.Dispose();
            throw;
        }
    }

    /// <summary>Generated images (at least as many as the reference holds) against the reference.</summary>
    public EvaluationReport Measure(string subject, ImageSet generated)
    {
        Evaluator.CheckImages(generated, subject);
        if (generated.Count < Count)
        {
            throw new ArgumentException($"{subject} has {generated.Count} images; the comparison needs {Count}, as many as the real sets.");
        }
        using var fake = generated.Take(Count).ToTensor();
        return new EvaluationReport(subject, judge.Hash, judge.Info.TestAccuracy, judge.Measure(fake, reference), Floor);
    }

    /// <summary>A training run's generator after <paramref name="epoch"/> (the weights and batch-norm statistics its
    /// recipe samples with), on noise seed 0 (not torch's global random numbers, so resumed runs stay exact).</summary>
    public EpochEvaluation Evaluate(Gan gan, int epoch)
    {
        using var samples = Sampler.Sample(gan.SamplingGenerator, Count, seed: 0, gan.Recipe.SamplingBatchNorm);
        var report = Measure($"epoch {epoch}", Sampler.ToImageSet(samples));
        var m = report.Model;
        string summary = string.Create(CultureInfo.InvariantCulture,
            $"  eval epoch {epoch}: FD features {m.FrechetDistanceFeatures:F2} (real {Floor.FrechetDistanceFeatures:F2}), score {m.ClassifierScore:F2} (real {Floor.ClassifierScore:F2}), precision {m.Precision:F2}, recall {m.Recall:F2}, classes {m.EffectiveClasses:F1}");
        return new EpochEvaluation(summary, JsonSerializer.SerializeToNode(report, IO.JsonFormat.SnakeCase)!.AsObject());
    }

    public void Dispose()
    {
        reference.Dispose();
        judge.Dispose();
    }
}
