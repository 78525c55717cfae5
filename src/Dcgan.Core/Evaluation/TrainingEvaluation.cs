using System.Text.Json;
using System.Text.Json.Nodes;
using Dcgan.Data;
using Dcgan.Training;

namespace Dcgan.Evaluation;

/// <summary>
/// What a run's evaluations measure (every few epochs of training): the ImageNet features always, against the run's own data;
/// beside them, where an evaluator fits the data, its classifier's scores. A metrics.jsonl record is the ImageNet
/// report's keys (n, fd_resnet18, kid_resnet18, precision, recall, density, coverage, floor) with the classifier's
/// report under "evaluator".
/// </summary>
public sealed class TrainingEvaluation(ImageNetFeatures network, ImageNetComparison imageNet, Comparison? classifier) : IEpochEvaluation, IDisposable
{
    /// <summary>The evaluations of a run on <paramref name="trainingImages"/> (<paramref name="request"/>'s): N =
    /// <paramref name="count"/> (at most half the images) on the ImageNet features, their real statistics kept in the
    /// data cache; and the classifier's, with the evaluator at <paramref name="evaluator"/>, or without one named, the
    /// one 'dcgan evaluator train' saved for a built-in dataset where it judges these images' shape.</summary>
    public static TrainingEvaluation Prepare(DataRequest request, ImageSet trainingImages, string? evaluator, string? reference, int count,
        Func<DataRequest, Split, LoadedData>? load = null, Action<string>? log = null)
    {
        // The evaluator first: a wrong one is said before minutes go into the real images' ImageNet features.
        var classifier = evaluator is not null || (trainingImages.Shape is { } shape && DefaultEvaluatorFits(request, shape))
            ? Comparison.ForDataset(request, trainingImages, evaluator, reference, count, load, log)
            : null;
        if (classifier is null)
        {
            string saved = request.Data is null && request.Images is null ? $", and none of {request.Dataset} at {trainingImages.DescribeShape()} is saved" : "";
            log?.Invoke($"note: the evaluations are on ImageNet features alone: no evaluator was named{saved}.");
        }
        ImageNetFeatures? network = null;
        try
        {
            network = ImageNetFeatures.Load();
            var features = network;
            var imageNet = ImageNetComparison.Prepare(trainingImages, count, seed: 0, images => features.Of(images), log, request.CacheFolder);
            return new TrainingEvaluation(network, imageNet, classifier);
        }
        catch
        {
            network?.Dispose();
            classifier?.Dispose();
            throw;
        }
    }

    /// <summary>Whether the dataset's own evaluator (the one 'dcgan evaluator train' saved) is there and judges
    /// images of <paramref name="shape"/>: then it is used without being named.</summary>
    public static bool DefaultEvaluatorFits(DataRequest request, Models.ImageShape shape)
    {
        string path = Evaluator.DefaultPath(request.Dataset);
        if (!File.Exists(path))
        {
            return false;
        }
        using var judge = Evaluator.Load(path);
        return judge.Info.Judges == shape;
    }

    public EpochEvaluation Evaluate(Gan gan, int epoch)
    {
        var features = imageNet.Evaluate(gan, epoch);
        if (classifier is null)
        {
            return features;
        }
        var judged = classifier.Evaluate(gan, epoch);
        return new EpochEvaluation(features.Summary + Environment.NewLine + judged.Summary.Replace($"eval epoch {epoch}:", "  evaluator:", StringComparison.Ordinal),
            Nest(features.Record, judged.Record));
    }

    /// <summary>One evaluation's record as <see cref="Evaluate"/> writes it, for an evaluation's JSON: the ImageNet
    /// report, and the classifier's report under "evaluator" when there is one.</summary>
    public static JsonObject Record(ImageNetReport features, EvaluationReport? judged) =>
        Nest(features.ToJsonObject(), judged is null ? null : JsonSerializer.SerializeToNode(judged, IO.JsonFormat.SnakeCase)!.AsObject());

    private static JsonObject Nest(JsonObject features, JsonObject? judged)
    {
        if (judged is not null)
        {
            judged.Remove("subject"); // the ImageNet report's says it
            features["evaluator"] = judged;
        }
        return features;
    }

    public void Dispose()
    {
        imageNet.Dispose();
        classifier?.Dispose();
        network.Dispose();
    }
}
