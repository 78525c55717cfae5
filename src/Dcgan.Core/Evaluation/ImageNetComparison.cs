using System.Globalization;
using System.Text.Json.Nodes;
using Dcgan.Data;
using TorchSharp;

namespace Dcgan.Evaluation;

/// <summary>What the ImageNet features say of one set of images against the real reference: the Frechet distance on
/// them (FD-ResNet18: not Inception's FID, and not comparable with it), the kernel distance (KID, mean and standard
/// deviation over subsets), precision and recall (k = 3), density and coverage (k = 5).</summary>
public sealed record FeatureScores(double FdResnet18, double KidMean, double KidStd, double Precision, double Recall, double Density, double Coverage)
{
    public JsonObject ToJson() => new()
    {
        ["fd_resnet18"] = FdResnet18,
        ["kid_resnet18"] = new JsonObject { ["mean"] = KidMean, ["std"] = KidStd },
        ["precision"] = Precision,
        ["recall"] = Recall,
        ["density"] = Density,
        ["coverage"] = Coverage,
    };
}

/// <summary>An evaluation on ImageNet features: the images judged and the floor (real images held out from the
/// reference, at the same N), each against the same N real reference images.</summary>
public sealed record ImageNetReport(string Subject, int N, FeatureScores Generated, FeatureScores Floor)
{
    /// <summary>Whether a metrics.jsonl record holds an evaluation on ImageNet features.</summary>
    public static bool IsIn(JsonObject record) => record["fd_resnet18"] is not null;

    /// <summary>The report a metrics.jsonl record holds (as <see cref="ToJsonObject"/> writes it), or null where it holds
    /// none; a number it lacks is NaN.</summary>
    public static ImageNetReport? Read(JsonObject record) => IsIn(record)
        ? new ImageNetReport((string?)record["subject"] ?? "", (int?)record["n"] ?? 0, ScoresIn(record), ScoresIn(record["floor"] as JsonObject))
        : null;

    private static FeatureScores ScoresIn(JsonObject? part)
    {
        double Value(JsonNode? node) => node?.GetValue<double>() ?? double.NaN;
        return new FeatureScores(Value(part?["fd_resnet18"]), Value(part?["kid_resnet18"]?["mean"]), Value(part?["kid_resnet18"]?["std"]),
            Value(part?["precision"]), Value(part?["recall"]), Value(part?["density"]), Value(part?["coverage"]));
    }

    public JsonObject ToJsonObject()
    {
        var json = Generated.ToJson();
        json.Insert(0, "subject", Subject);
        json.Insert(1, "n", N);
        json["floor"] = Floor.ToJson();
        json["features"] = ImageNetFeatures.Network;
        return json;
    }

    public string ToJson() => ToJsonObject().ToJsonString(IO.JsonFormat.SnakeCaseIndented);

    /// <summary>One line: each number beside the floor's, with N.</summary>
    public string Summary() => string.Create(CultureInfo.InvariantCulture,
        $"FD-ResNet18 {Generated.FdResnet18:F2} (real {Floor.FdResnet18:F2}), KID x1000 {Generated.KidMean * 1000:F2} (real {Floor.KidMean * 1000:F2}), precision {Generated.Precision:F2}, recall {Generated.Recall:F2} (real {Floor.Precision:F2}, {Floor.Recall:F2}), density {Generated.Density:F2}, coverage {Generated.Coverage:F2} (real {Floor.Density:F2}, {Floor.Coverage:F2}), N {N}");

    public string ToTable()
    {
        var c = CultureInfo.InvariantCulture;
        string Row(string name, double ours, double floor, string format) =>
            string.Create(c, $"{name,-22} {ours.ToString(format, c),12} {floor.ToString(format, c),12}");
        return string.Join(Environment.NewLine,
        [
            string.Create(c, $"{Subject}, {N} images against {N} real ones, on {ImageNetFeatures.Network} features"),
            "(FD-ResNet18 is not Inception's FID: the numbers are comparable only with each other)",
            string.Create(c, $"{"",-22} {"these",12} {"real floor",12}"),
            Row("FD-ResNet18", Generated.FdResnet18, Floor.FdResnet18, "F2"),
            Row("KID-ResNet18 (x 1000)", Generated.KidMean * 1000, Floor.KidMean * 1000, "F2"),
            Row("precision", Generated.Precision, Floor.Precision, "F3"),
            Row("recall", Generated.Recall, Floor.Recall, "F3"),
            Row("density", Generated.Density, Floor.Density, "F3"),
            Row("coverage", Generated.Coverage, Floor.Coverage, "F3"),
        ]);
    }
}

/// <summary>
/// Measures any images, labelled or not, against real ones on the ImageNet features (<see cref="ImageNetFeatures"/>):
/// the real images are shuffled with a seed and split into a reference of N and, disjoint from it, a floor of N, so
/// that the floor says what real images score against the same reference at the same N. Neither changes during a run:
/// the reference's features and the floor are computed once (and kept, with a cache), then each set judged costs only
/// its own features. As an <see cref="IEpochEvaluation"/> it measures a training run's generator on noise seed 0.
/// </summary>
public sealed class ImageNetComparison : IEpochEvaluation, IDisposable
{
    /// <summary>The fewest images on each side: KID and the neighbourhoods need some, and the floor needs as many real
    /// images again.</summary>
    public const int MinImages = 10;

    private readonly torch.Tensor reference;
    private readonly Func<ImageSet, torch.Tensor> features;
    private readonly long seed;
    private readonly Action<string>? log;

    private ImageNetComparison(torch.Tensor reference, FeatureScores floor, int n, long seed, Func<ImageSet, torch.Tensor> features, Action<string>? log)
    {
        (this.reference, Floor, N, this.seed, this.features, this.log) = (reference, floor, n, seed, features, log);
    }

    /// <summary>Images on each side: the reference, the floor, and each set judged.</summary>
    public int N { get; }

    /// <summary>What real images held out from the reference score against it.</summary>
    public FeatureScores Floor { get; }

    /// <summary>The comparison against <paramref name="real"/> at N = <paramref name="asked"/> (at most half the real
    /// images), on the features that <paramref name="features"/> computes ([N, D] for N images: <see cref="ImageNetFeatures.Of"/>).
    /// With <paramref name="cacheFolder"/> (the data cache), the real images' features are kept in its features/ folder
    /// under <paramref name="network"/>'s name, the data's fingerprint, N and the seed, and read again next time.</summary>
    public static ImageNetComparison Prepare(ImageSet real, int asked, long seed, Func<ImageSet, torch.Tensor> features,
        Action<string>? log = null, string? cacheFolder = null, string network = ImageNetFeatures.Network)
    {
        var cache = cacheFolder is null ? null : new FeatureCache(cacheFolder);
        int n = Math.Min(asked, real.Count / 2); // a reference and a floor, disjoint
        if (n < MinImages)
        {
            throw new InvalidDataException($"measuring on ImageNet features needs at least {MinImages} images to judge and {2 * MinImages} real ones (a reference and a floor); there are {real.Count} real ones.");
        }
        int[] order = [.. Enumerable.Range(0, real.Count)];
        new Random(unchecked((int)seed)).Shuffle(order);
        using var referenceImages = real.Select(order[..n]);
        using var held = real.Select(order[n..(2 * n)]);
        string key = $"{network}|{real.Fingerprint()}|{real.DescribeShape()}|{n}|{seed}";
        torch.Tensor Real(ImageSet part, string name) => cache is null ? features(part) : cache.Of($"{key}|{name}", () =>
        {
            log?.Invoke($"Computing the {network} features of {n} real images ({name}), kept for next time...");
            return features(part);
        });
        var referenceFeatures = Real(referenceImages, "reference");
        using var heldFeatures = Real(held, "floor");
        return new ImageNetComparison(referenceFeatures, Scores(heldFeatures, referenceFeatures, seed), n, seed, features, log);
    }

    /// <summary>The report of <paramref name="generated"/> (at least N images; the first N are judged).</summary>
    public ImageNetReport Measure(string subject, ImageSet generated)
    {
        if (generated.Count < N)
        {
            throw new InvalidDataException($"{subject} has {generated.Count} images; the comparison needs {N}, as many as the real reference.");
        }
        using var judged = generated.Take(N);
        log?.Invoke($"Computing the {ImageNetFeatures.Network} features of {N} images to judge...");
        using var judgedFeatures = features(judged);
        return new ImageNetReport(subject, N, Scores(judgedFeatures, reference, seed), Floor);
    }

    /// <summary>A training run's generator after <paramref name="epoch"/> (the weights and batch-norm statistics its
    /// recipe samples with), on noise seed 0 (not torch's global random numbers, so resumed runs stay exact).</summary>
    public EpochEvaluation Evaluate(Training.Gan gan, int epoch)
    {
        using var samples = Generation.Sampler.Sample(gan.SamplingGenerator, N, seed: 0, gan.Recipe.SamplingBatchNorm);
        using var images = Generation.Sampler.ToImageSet(samples);
        var report = Measure($"epoch {epoch}", images);
        return new EpochEvaluation("  eval epoch " + epoch.ToString(CultureInfo.InvariantCulture) + ": " + report.Summary(), report.ToJsonObject());
    }

    private static FeatureScores Scores(torch.Tensor judged, torch.Tensor reference, long seed)
    {
        using var random = new torch.Generator((ulong)seed);
        var (kid, kidStd) = Metrics.KernelDistance(reference, judged, random);
        var (precision, recall) = Metrics.PrecisionRecall(reference, judged);
        var (density, coverage) = Metrics.DensityCoverage(reference, judged);
        return new FeatureScores(Metrics.FrechetDistance(reference, judged), kid, kidStd, precision, recall, density, coverage);
    }

    public void Dispose() => reference.Dispose();
}
