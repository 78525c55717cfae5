using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dcgan.Data;
using TorchSharp;

namespace Dcgan.Evaluation;

/// <summary>What the ImageNet features say of one set of images against the real reference: the Frechet distance on
/// them (FD-ResNet18: not Inception's FID, and not comparable with it), the kernel distance (KID, mean and standard
/// deviation over subsets), precision and recall (k = 3), density and coverage (k = 5).</summary>
internal sealed record FeatureScores(double FdResnet18, double KidMean, double KidStd, double Precision, double Recall, double Density, double Coverage)
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
internal sealed record ImageNetReport(string Subject, int N, FeatureScores Generated, FeatureScores Floor)
{
    public string ToJson()
    {
        var json = Generated.ToJson();
        json.Insert(0, "subject", Subject);
        json.Insert(1, "n", N);
        json["floor"] = Floor.ToJson();
        json["features"] = ImageNetFeatures.Network;
        return json.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

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
/// that the floor says what real images score against the same reference at the same N.
/// </summary>
internal static class ImageNetComparison
{
    /// <summary>The fewest images on each side: KID and the neighbourhoods need some, and the floor needs as many real
    /// images again.</summary>
    public const int MinImages = 10;

    /// <summary>How many images each side takes: <paramref name="asked"/>, at most the generated images and half the real ones.</summary>
    public static int CountFor(int asked, int generated, int real) => Math.Min(asked, Math.Min(generated, real / 2));

    /// <summary>The report of <paramref name="generated"/> against <paramref name="real"/>, on the features that
    /// <paramref name="features"/> computes ([N, D] for N images: <see cref="ImageNetFeatures.Of"/>). With
    /// <paramref name="cache"/>, the real images' features are kept there under <paramref name="network"/>'s name, the
    /// data's fingerprint, N and the seed, and read again next time.</summary>
    public static ImageNetReport Measure(string subject, ImageSet generated, ImageSet real, int asked, long seed, Func<ImageSet, torch.Tensor> features,
        Action<string>? log = null, FeatureCache? cache = null, string network = ImageNetFeatures.Network)
    {
        int n = CountFor(asked, generated.Count, real.Count);
        if (n < MinImages)
        {
            throw new InvalidDataException($"measuring on ImageNet features needs at least {MinImages} images to judge and {2 * MinImages} real ones (a reference and a floor); there are {generated.Count} and {real.Count}.");
        }
        int[] order = [.. Enumerable.Range(0, real.Count)];
        new Random(unchecked((int)seed)).Shuffle(order);
        using var reference = real.Select(order[..n]);
        using var held = real.Select(order[n..(2 * n)]);
        using var judged = generated.Take(n);
        string key = $"{network}|{real.Fingerprint()}|{real.DescribeShape()}|{n}|{seed}";
        torch.Tensor Real(ImageSet part, string name) => cache is null ? features(part) : cache.Of($"{key}|{name}", () =>
        {
            log?.Invoke($"Computing the {network} features of {n} real images ({name}), kept for next time...");
            return features(part);
        });
        using var referenceFeatures = Real(reference, "reference");
        using var heldFeatures = Real(held, "floor");
        log?.Invoke($"Computing the {network} features of {n} images to judge...");
        using var judgedFeatures = features(judged);
        return new ImageNetReport(subject, n, Scores(judgedFeatures, referenceFeatures, seed), Scores(heldFeatures, referenceFeatures, seed));
    }

    private static FeatureScores Scores(torch.Tensor judged, torch.Tensor reference, long seed)
    {
        using var random = new torch.Generator((ulong)seed);
        var (kid, kidStd) = Metrics.KernelDistance(reference, judged, random);
        var (precision, recall) = Metrics.PrecisionRecall(reference, judged);
        var (density, coverage) = Metrics.DensityCoverage(reference, judged);
        return new FeatureScores(Metrics.FrechetDistance(reference, judged), kid, kidStd, precision, recall, density, coverage);
    }
}
