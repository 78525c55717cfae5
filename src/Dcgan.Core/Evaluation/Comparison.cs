using System.Globalization;
using System.Text.Json;
using Dcgan.Data;
using Dcgan.Generation;
using Dcgan.Models;
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

    private Comparison(Evaluator judge, Reference reference, SetMetrics floor, ClassificationAccuracy? classes, IReadOnlyList<string>? classNames)
    {
        (this.judge, this.reference, Floor, Classes, this.classNames) = (judge, reference, floor, classes, classNames);
    }

    /// <summary>The names of the real images' classes: their own, or for labels without names, the labels' digits.</summary>
    private readonly IReadOnlyList<string>? classNames;

    /// <summary>Draws of each class the classification accuracy score is trained on, by default.</summary>
    public const int DefaultPerClass = 1000;

    /// <summary>The classification accuracy score and per-class figures, where both real sets have labels.</summary>
    public ClassificationAccuracy? Classes { get; }

    public SetMetrics Floor { get; }

    /// <summary>The fewest images on each side that the metrics can be computed from (ten splits of the score,
    /// neighbours for precision and recall, a covariance for the distance).</summary>
    public const int MinImages = 20;

    /// <summary>How many images each side holds.</summary>
    public int Count => reference.Count;

    /// <summary>The first <paramref name="count"/> images of <paramref name="real"/> as the reference, and as many of
    /// <paramref name="floorImages"/> measured against it. The evaluator becomes the comparison's, disposed with it. Where
    /// both carry labels, the comparison can also score generators that draw the class asked for (<see cref="Classes"/>).</summary>
    public static Comparison Prepare(Evaluator judge, ImageSet real, ImageSet floorImages, int count)
    {
        judge.CheckJudged(real, "the real held-out images");
        judge.CheckJudged(floorImages, "the training images (the real-data floor)");
        count = new[] { count, real.Count, floorImages.Count }.Min();
        if (count < MinImages)
        {
            throw new ArgumentException($"a comparison of {count} images is too small to measure; the metrics need at least {MinImages} on each side.");
        }
        using var test = real.Take(count).ToTensor();
        using var train = floorImages.Take(count).ToTensor();
        var reference = judge.Prepare(test);
        var classes = real.Labels is not null && floorImages.Labels is not null ? new ClassificationAccuracy(judge, floorImages, real) : null;
        var names = real.ClassNames ?? (real.Labels is null ? null : [.. Enumerable.Range(0, real.Labels.Max() + 1).Select(k => $"{k}")]);
        return new Comparison(judge, reference, judge.Measure(train, reference), classes, names);
    }

    /// <summary>The comparison for a dataset, as training runs and evaluations make it: the evaluator at
    /// <paramref name="evaluator"/> (default: the one 'dcgan evaluator train' saved for the dataset), the real images
    /// at <paramref name="reference"/> (default: the dataset's test split, held out from training), and the floor
    /// measured on <paramref name="floorImages"/>.</summary>
    public static Comparison ForDataset(DataRequest request, ImageSet floorImages, string? evaluator, string? reference, int count,
        Func<DataRequest, Split, LoadedData>? load = null, Action<string>? note = null)
    {
        var judge = Evaluator.Load(evaluator ?? Evaluator.DefaultPath(request.Dataset), note);
        try
        {
            if (reference is null && judge.Info.HeldOutShare is not null)
            {
                // Data without a test split: the images the evaluator held out are the reference, the rest the floor.
                var (train, test) = judge.HeldOutOf(floorImages);
                return Prepare(judge, test, train, count);
            }
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

    /// <summary><paramref name="request"/>, or where it names no data (<paramref name="named"/> false), the data the
    /// evaluator at <paramref name="evaluator"/> was trained on, at its shape: what an evaluation of a run on a folder
    /// or CIFAR-10 compares against without being told again.</summary>
    public static DataRequest DataOf(DataRequest request, bool named, string? evaluator)
    {
        if (named || evaluator is null || !File.Exists(evaluator))
        {
            return request;
        }
        using var judge = Evaluator.Load(evaluator);
        var info = judge.Info;
        return info.Shape is not { } shape ? request
            : request with
            {
                Dataset = DatasetCatalog.Names.Contains(info.Dataset) ? info.Dataset : request.Dataset,
                Data = info.DataPath,
                ImageSize = shape.Size,
                Channels = shape.Channels,
            };
    }

    /// <summary>Generated images (at least as many as the reference holds) against the reference; with
    /// <paramref name="eachClass"/>, images drawn of each class (labelled), also their classification accuracy score.</summary>
    public EvaluationReport Measure(string subject, ImageSet generated, ImageSet? eachClass = null, Action<string>? log = null)
    {
        judge.CheckJudged(generated, subject);
        if (generated.Count < Count)
        {
            throw new ArgumentException($"{subject} has {generated.Count} images; the comparison needs {Count}, as many as the real sets.");
        }
        var classes = eachClass is null ? null
            : (Classes ?? throw new ArgumentException("the classification accuracy score needs labelled real images; use the dataset's own test split."))
                .Measure(eachClass, log);
        using var fake = generated.Take(Count).ToTensor();
        return new EvaluationReport(subject, judge.Hash, judge.Info.TestAccuracy, judge.Measure(fake, reference), Floor, classes);
    }

    /// <summary>Refuses a generator whose images the evaluator does not judge, before any are drawn.</summary>
    public void CheckDraws(ImageShape shape, string subject) => judge.CheckDraws(shape, subject);

    /// <summary>Whether a generator drawing from <paramref name="recipe"/> can have its classification accuracy
    /// scored here: its categories are the labels, as many as the evaluator's classes, and the real sets are labelled.</summary>
    public bool ScoresClasses(Recipe recipe) => Classes is not null && ClassificationAccuracy.Scores(recipe) && ClassProblem(recipe) is null;

    /// <summary>Why a generator of <paramref name="recipe"/>'s named categories cannot be scored against these real
    /// classes, or null: category k is scored as real class k, so the names must be the same, in the same order (a
    /// generator trained on a folder of classes eight, five, ... is not one of digits 0 to 9).</summary>
    public string? ClassProblem(Recipe recipe) =>
        recipe.CodeCategories != judge.Info.ClassCount
            ? $"the generator has {recipe.CodeCategories} categories and the evaluator tells {judge.Info.ClassCount} classes"
            : NamesProblem(recipe.CategoryNames, classNames);

    internal static string? NamesProblem(IReadOnlyList<string>? categories, IReadOnlyList<string>? classNames)
    {
        if (categories is null || classNames is null || categories.SequenceEqual(classNames))
        {
            return null;
        }
        int k = Enumerable.Range(0, Math.Min(categories.Count, classNames.Count)).FirstOrDefault(i => categories[i] != classNames[i], -1);
        return k < 0
            ? $"the generator has {categories.Count} categories and the real images {classNames.Count} classes"
            : $"the generator's category {k} is {categories[k]}, and the real images' class {k} is {classNames[k]}: they are scored only where the names agree, in order";
    }

    /// <summary>A training run's generator after <paramref name="epoch"/> (the weights and batch-norm statistics its
    /// recipe samples with), on noise seed 0 (not torch's global random numbers, so resumed runs stay exact).</summary>
    public EpochEvaluation Evaluate(Gan gan, int epoch)
    {
        using var samples = Sampler.Sample(gan.SamplingGenerator, Count, seed: 0, gan.Recipe.SamplingBatchNorm);
        var eachClass = ScoresClasses(gan.Recipe)
            ? Sampler.SampleEachCategory(gan.SamplingGenerator, DefaultPerClass, seed: 0, gan.Recipe.SamplingBatchNorm)
            : null;
        var report = Measure($"epoch {epoch}", Sampler.ToImageSet(samples), eachClass);
        var m = report.Model;
        string summary = string.Create(CultureInfo.InvariantCulture,
            $"  eval epoch {epoch}: FD features {m.FrechetDistanceFeatures:F2} (real {Floor.FrechetDistanceFeatures:F2}), score {m.ClassifierScore:F2} (real {Floor.ClassifierScore:F2}), precision {m.Precision:F2}, recall {m.Recall:F2}, classes {m.EffectiveClasses:F1}");
        if (report.Classes is { } c)
        {
            summary += string.Create(CultureInfo.InvariantCulture,
                $", CAS {c.Accuracy:P1} (real {c.RealAccuracy:P1}), own class at least {c.SmallestOwnClassShare:P1}, intra-class FD {c.MeanIntraClassFd:F2} (real {c.RealMeanIntraClassFd:F2})");
        }
        return new EpochEvaluation(summary, JsonSerializer.SerializeToNode(report, IO.JsonFormat.SnakeCase)!.AsObject());
    }

    public void Dispose()
    {
        Classes?.Dispose();
        reference.Dispose();
        judge.Dispose();
    }
}
