using Dcgan.Data;
using Dcgan.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Dcgan.Evaluation;

/// <summary>
/// The classification accuracy score (CAS; Ravuri and Vinyals 2019) of a generator that draws the class asked for:
/// the evaluator's classifier architecture, trained with its seed and schedule on generated, labelled images only,
/// then tested on the real test images; beside it the same training on as many real training images. Samples that
/// miss much of each class's variety teach a classifier that fails on real digits, however readable each one is.
/// Per class it also reports the share of draws the frozen evaluator reads as their class, and the Frechet distance
/// of the class's draws to the class's real test images (intra-class FD), both beside real training images'.
/// </summary>
public sealed class ClassificationAccuracy : IDisposable
{
    private readonly Evaluator judge;
    private readonly ImageSet realTrain;
    private readonly byte[] realTrainLabels;
    private readonly ImageSet realTest;
    private readonly byte[] realTestLabels;
    private readonly Dictionary<int, RealReference> references = [];
    /// <summary>The evaluator's features of each class's real test images (null: a class too small to measure),
    /// judged once, when first needed: a comparison that never scores classes never pays for them.</summary>
    private Tensor?[]? testFeatures;

    /// <param name="judge">The frozen evaluator (not owned).</param>
    /// <param name="realTrain">Labelled real training images: the reference classifier's.</param>
    /// <param name="realTest">Labelled real held-out images, never trained on.</param>
    public ClassificationAccuracy(Evaluator judge, ImageSet realTrain, ImageSet realTest)
    {
        judge.CheckJudged(realTrain, "the real training images");
        judge.CheckJudged(realTest, "the real test images");
        (this.judge, this.realTrain, this.realTest) = (judge, realTrain, realTest);
        realTrainLabels = realTrain.Labels ?? throw new ArgumentException("the classification accuracy score needs the real training images' labels.");
        realTestLabels = realTest.Labels ?? throw new ArgumentException("the classification accuracy score needs the real test images' labels.");
    }

    /// <summary>Classes the evaluator tells apart: a generator's categories must be as many.</summary>
    public int Classes => judge.Info.ClassCount;

    /// <summary>Whether a generator of <paramref name="recipe"/> can be scored: its categories are the labels (as many
    /// as the evaluator tells apart, which <see cref="Comparison.ClassProblem"/> checks).</summary>
    public static bool Scores(Training.Recipe recipe) => recipe.CodeFromLabels;

    /// <summary>The scores of generated images <paramref name="fakes"/>, each labelled with the class it was drawn of.</summary>
    public ClassAccuracyMetrics Measure(ImageSet fakes, Action<string>? log = null)
    {
        judge.CheckJudged(fakes, "the generated images");
        var labels = fakes.Labels ?? [];
        if (labels.Length != fakes.Count || labels.Any(l => l >= Classes))
        {
            throw new ArgumentException($"each generated image needs a label from 0 to {Classes - 1}.");
        }
        log?.Invoke($"classification accuracy: training a classifier on {fakes.Count} generated images");
        var (model, info) = Evaluator.Train(fakes, labels, realTest, realTestLabels, "generated", log: null, classes: Classes);
        model.Dispose();
        var real = Reference(fakes.Count, log);
        using var fakeTensor = fakes.ToTensor();
        var (shares, distances) = PerClass(fakeTensor, labels);
        return new ClassAccuracyMetrics(fakes.Count, info.TestAccuracy, real.Accuracy, real.Images, shares, real.OwnClassShares, distances,
            real.IntraClassFd);
    }

    /// <summary>The real training images' figures for <paramref name="count"/> of them, computed once for a count.</summary>
    private RealReference Reference(int count, Action<string>? log)
    {
        if (!references.TryGetValue(count, out var reference))
        {
            var train = realTrain.Take(count);
            var labels = realTrainLabels[..train.Count];
            log?.Invoke($"classification accuracy: training the same classifier on {train.Count} real images");
            var (model, info) = Evaluator.Train(train, labels, realTest, realTestLabels, "real", log: null, classes: Classes);
            model.Dispose();
            using var trainTensor = train.ToTensor();
            using var testTensor = realTest.ToTensor();
            var (_, distances) = PerClass(trainTensor, labels);
            var (testShares, _) = PerClass(testTensor, realTestLabels);
            references[count] = reference = new RealReference(train.Count, info.TestAccuracy, testShares, distances);
        }
        return reference;
    }

    /// <summary>For each class k: the share of <paramref name="images"/> labelled k that the evaluator reads as k,
    /// and the Frechet distance of their features to the real test images of class k.</summary>
    private (double[] OwnClassShares, double[] IntraClassFd) PerClass(Tensor images, byte[] labels)
    {
        var byClass = TestFeatures();
        using var scope = torch.NewDisposeScope();
        using var scalars = new HeldScalars();
        var (probabilities, features, _) = judge.Judge(images);
        var predicted = probabilities.argmax(1);
        var truth = torch.tensor(labels).to_type(ScalarType.Int64);
        var shares = new double[Classes];
        var distances = new double[Classes];
        for (int k = 0; k < Classes; k++)
        {
            var mine = truth.eq(scalars.Of(k)).nonzero().view(-1);
            if (mine.shape[0] < 2 || byClass[k] is not { } theirs)
            {
                (shares[k], distances[k]) = (double.NaN, double.NaN); // a class too small to measure
                continue;
            }
            shares[k] = predicted.index_select(0, mine).eq(scalars.Of(k)).to_type(ScalarType.Float64).mean().item<double>();
            distances[k] = Metrics.FrechetDistance(features.index_select(0, mine), theirs);
        }
        return (shares, distances);
    }

    private Tensor?[] TestFeatures()
    {
        if (testFeatures is null)
        {
            using var scope = torch.NewDisposeScope();
            using var scalars = new HeldScalars();
            var (_, features, _) = judge.Judge(realTest.ToTensor());
            var truth = torch.tensor(realTestLabels).to_type(ScalarType.Int64);
            testFeatures = [.. Enumerable.Range(0, Classes).Select(k => truth.eq(scalars.Of(k)).nonzero().view(-1) is var theirs && theirs.shape[0] >= 2
                ? features.index_select(0, theirs).MoveToOuterDisposeScope()
                : null)];
        }
        return testFeatures;
    }

    public void Dispose()
    {
        foreach (var features in testFeatures ?? [])
        {
            features?.Dispose();
        }
    }

    private sealed record RealReference(int Images, double Accuracy, double[] OwnClassShares, double[] IntraClassFd);
}

/// <summary>The classification accuracy score and the per-class figures, beside real training images'.</summary>
/// <param name="Images">The generated images the classifier was trained on (as many of each class).</param>
/// <param name="Accuracy">CAS: the real test accuracy of a classifier trained on the generated images.</param>
/// <param name="RealAccuracy">The same classifier trained on as many real training images.</param>
/// <param name="RealImages">How many real training images that was (fewer only where the training set is smaller).</param>
/// <param name="OwnClassShares">Per class, the share of its draws the evaluator reads as the class.</param>
/// <param name="RealOwnClassShares">Per class, the evaluator's accuracy on the real test images of the class.</param>
/// <param name="IntraClassFd">Per class, the FD of its draws to the real test images of the class.</param>
/// <param name="RealIntraClassFd">Per class, the FD of real training images of the class to its real test images.</param>
public sealed record ClassAccuracyMetrics(int Images, double Accuracy, double RealAccuracy, int RealImages, double[] OwnClassShares,
    double[] RealOwnClassShares, double[] IntraClassFd, double[] RealIntraClassFd)
{
    public double SmallestOwnClassShare => OwnClassShares.Min();
    public double MeanIntraClassFd => IntraClassFd.Average();
    public double RealMeanIntraClassFd => RealIntraClassFd.Average();
}
