using Dcgan.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Dcgan.Evaluation;

/// <summary>The numbers of an evaluation, each computed in float64 from classifier outputs.</summary>
internal static class Metrics
{
    /// <summary>exp(E_x[KL(p(y|x) || p(y))]) for softmax probabilities [N, C]: from 1 (every image the same
    /// prediction) to C (confident predictions spread evenly over all classes).</summary>
    public static double ClassifierScore(Tensor probabilities)
    {
        using var scope = torch.NewDisposeScope();
        using var scalars = new HeldScalars();
        var p = probabilities.to_type(ScalarType.Float64).clamp_min(scalars.Of(1e-12));
        var marginal = p.mean([0], keepdim: true);
        var kl = (p * (p.log() - marginal.log())).sum(1);
        return Math.Exp(kl.mean().item<double>());
    }

    /// <summary>The score over <paramref name="splits"/> equal parts: mean and standard deviation, as the
    /// Inception-score convention reports it.</summary>
    public static (double Mean, double Std) ClassifierScoreSplits(Tensor probabilities, int splits)
    {
        long n = probabilities.shape[0], size = n / splits;
        var scores = Enumerable.Range(0, splits).Select(i =>
        {
            using var part = probabilities.narrow(0, i * size, size);
            return ClassifierScore(part);
        }).ToArray();
        double mean = scores.Average();
        double std = Math.Sqrt(scores.Sum(s => (s - mean) * (s - mean)) / scores.Length);
        return (mean, std);
    }

    /// <summary>Mean and covariance (n - 1 in the denominator) of features [N, D], in float64.</summary>
    public static (Tensor Mean, Tensor Covariance) Moments(Tensor features)
    {
        using var scope = torch.NewDisposeScope();
        using var scalars = new HeldScalars();
        var x = features.to_type(ScalarType.Float64);
        var mean = x.mean([0]);
        var centered = x - mean;
        var covariance = centered.t().matmul(centered).div(scalars.Of(x.shape[0] - 1));
        return (mean.MoveToOuterDisposeScope(), covariance.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Frechet distance between Gaussians fitted to two feature sets:
    /// |mu1 - mu2|^2 + Tr(S1 + S2 - 2 (S1^1/2 S2 S1^1/2)^1/2). Both square roots come from symmetric
    /// eigendecompositions with negative eigenvalues (rounding) clamped to zero, which stays real and stable where
    /// scipy's general sqrtm can return complex parts.
    /// </summary>
    public static double FrechetDistance(Tensor features1, Tensor features2)
    {
        var (mu1, s1) = Moments(features1);
        var (mu2, s2) = Moments(features2);
        using (mu1) using (s1) using (mu2) using (s2)
        {
            return FrechetDistance(mu1, s1, mu2, s2);
        }
    }

    public static double FrechetDistance(Tensor mu1, Tensor sigma1, Tensor mu2, Tensor sigma2)
    {
        using var scope = torch.NewDisposeScope();
        using var scalars = new HeldScalars();
        var rootS1 = SymmetricSqrt(sigma1, scalars);
        var inner = rootS1.matmul(sigma2).matmul(rootS1);
        inner = scalars.Add(inner, inner.t()).div(scalars.Of(2L)); // symmetric up to rounding; make it exactly so for eigh
        var (innerValues, _) = torch.linalg.eigh(inner);
        double traceOfRoot = innerValues.clamp_min(scalars.Of(0L)).sqrt().sum().item<double>();
        double meanTerm = (mu1 - mu2).pow(scalars.Of(2L)).sum().item<double>();
        double result = meanTerm + sigma1.trace().item<double>() + sigma2.trace().item<double>() - 2 * traceOfRoot;
        return Math.Max(result, 0); // rounding can leave -1e-12 for identical sets
    }

    private static Tensor SymmetricSqrt(Tensor matrix, HeldScalars scalars)
    {
        var (values, vectors) = torch.linalg.eigh(scalars.Add(matrix, matrix.t()).div(scalars.Of(2L)));
        return vectors.matmul(torch.diag(values.clamp_min(scalars.Of(0L)).sqrt())).matmul(vectors.t());
    }

    /// <summary>
    /// k-nearest-neighbour precision and recall (Kynkaanniemi et al. 2019): each set's "manifold" is the union of
    /// balls around its points reaching their k-th nearest neighbour in the same set. Precision is the share of
    /// generated points inside the real manifold, recall the share of real points inside the generated one.
    /// Distances are computed in blocks of rows so 10,000 x 10,000 needs about 80 MB at a time, not 800.
    /// </summary>
    public static (double Precision, double Recall) PrecisionRecall(Tensor real, Tensor generated, int k = 3, int block = 1000)
    {
        using var scope = torch.NewDisposeScope();
        var r = real.to_type(ScalarType.Float64);
        var g = generated.to_type(ScalarType.Float64);
        var realRadii = KthNeighbourDistance(r, k, block);
        var generatedRadii = KthNeighbourDistance(g, k, block);
        return (ShareInside(g, r, realRadii, block), ShareInside(r, g, generatedRadii, block));
    }

    /// <summary>For each row, the distance to its k-th nearest other row of the same set.</summary>
    private static Tensor KthNeighbourDistance(Tensor set, int k, int block)
    {
        var parts = new List<Tensor>();
        for (long start = 0; start < set.shape[0]; start += block)
        {
            using var rows = set.narrow(0, start, Math.Min(block, set.shape[0] - start));
            using var distances = torch.cdist(rows, set);
            // The smallest distance is the point to itself (0); the k-th neighbour is the (k+1)-th smallest.
            var (values, _) = distances.topk(k + 1, dim: 1, largest: false);
            parts.Add(values[.., k].clone());
            values.Dispose();
        }
        return torch.cat(parts, 0);
    }

    /// <summary>Share of <paramref name="points"/> within the radius of at least one point of <paramref name="set"/>.</summary>
    private static double ShareInside(Tensor points, Tensor set, Tensor radii, int block)
    {
        long inside = 0;
        for (long start = 0; start < points.shape[0]; start += block)
        {
            using var scope = torch.NewDisposeScope();
            var rows = points.narrow(0, start, Math.Min(block, points.shape[0] - start));
            var within = torch.cdist(rows, set) <= radii.unsqueeze(0);
            inside += within.any(1).sum().item<long>();
        }
        return (double)inside / points.shape[0];
    }

    /// <summary>
    /// Density and coverage (Naeem et al. 2020), with the same k-th-neighbour balls around the real points as
    /// <see cref="PrecisionRecall"/>: density is how many real balls a generated point falls in, on average, divided by
    /// k (about 1 where the generated points are spread as the real ones, above 1 where they crowd where real points
    /// are dense); coverage is the share of real points whose ball holds at least one generated point. A point lies in
    /// a ball when strictly nearer than its radius, as the authors' code has it. The paper's k is 5.
    /// </summary>
    public static (double Density, double Coverage) DensityCoverage(Tensor real, Tensor generated, int k = 5, int block = 1000)
    {
        using var scope = torch.NewDisposeScope();
        var r = real.to_type(ScalarType.Float64);
        var g = generated.to_type(ScalarType.Float64);
        var radii = KthNeighbourDistance(r, k, block);
        long hits = 0;
        var covered = torch.zeros(r.shape[0], dtype: ScalarType.Bool);
        for (long start = 0; start < g.shape[0]; start += block)
        {
            using var inner = torch.NewDisposeScope();
            var rows = g.narrow(0, start, Math.Min(block, g.shape[0] - start));
            var within = torch.cdist(rows, r) < radii.unsqueeze(0); // [generated rows, real]
            hits += within.sum().item<long>();
            covered.logical_or_(within.any(0));
        }
        return ((double)hits / (k * g.shape[0]), covered.to_type(ScalarType.Float64).mean().item<double>());
    }

    /// <summary>
    /// Kernel distance (KID, Binkowski et al. 2018): the unbiased estimate of the squared maximum mean discrepancy with
    /// the cubic polynomial kernel k(x, y) = (x.y / d + 1)^3, d the features' dimension, over
    /// <paramref name="subsets"/> random subsets of <paramref name="subsetSize"/> points of each set (all of a set
    /// smaller than that; the subsets drawn without replacement from <paramref name="random"/>): the mean and standard
    /// deviation of the estimates. Unbiased: two samples of one distribution give 0 on average, and a value may be
    /// below 0. In each subset, 1/(m(m-1)) of the kernel over distinct pairs within each set, less 2/m^2 of it over
    /// the pairs across the sets.
    /// </summary>
    public static (double Mean, double Std) KernelDistance(Tensor real, Tensor generated, torch.Generator random, int subsets = 100, int subsetSize = 1000)
    {
        using var scope = torch.NewDisposeScope();
        var r = real.to_type(ScalarType.Float64);
        var g = generated.to_type(ScalarType.Float64);
        long m = Math.Min(subsetSize, Math.Min(r.shape[0], g.shape[0]));
        if (m < 2)
        {
            throw new ArgumentException($"the kernel distance needs at least 2 images in each set, not {Math.Min(r.shape[0], g.shape[0])}.");
        }
        double dimension = r.shape[1];
        using var scalars = new HeldScalars();
        Tensor Kernel(Tensor a, Tensor b) => a.matmul(b.t()).div(scalars.Of(dimension)).add(scalars.Of(1L), scalars.One).pow(scalars.Of(3L));
        var estimates = new double[subsets];
        for (int s = 0; s < subsets; s++)
        {
            using var inner = torch.NewDisposeScope();
            var x = r.index_select(0, torch.randperm(r.shape[0], generator: random).narrow(0, 0, m));
            var y = g.index_select(0, torch.randperm(g.shape[0], generator: random).narrow(0, 0, m));
            var xx = Kernel(x, x);
            var yy = Kernel(y, y);
            double within = (xx.sum().item<double>() - xx.diagonal().sum().item<double>() + yy.sum().item<double>() - yy.diagonal().sum().item<double>()) / (m * (m - 1.0));
            estimates[s] = within - 2 * Kernel(x, y).sum().item<double>() / ((double)m * m);
        }
        double mean = estimates.Average();
        return (mean, Math.Sqrt(estimates.Sum(e => (e - mean) * (e - mean)) / estimates.Length));
    }

    /// <summary>The share of predictions per class, in class order.</summary>
    public static double[] ClassShares(Tensor probabilities)
    {
        using var predicted = probabilities.argmax(1);
        var counts = new double[probabilities.shape[1]];
        foreach (long c in predicted.data<long>())
        {
            counts[c]++;
        }
        return [.. counts.Select(c => c / probabilities.shape[0])];
    }

    /// <summary>exp(entropy) of the class shares: how many classes the predictions effectively cover.</summary>
    public static double EffectiveClasses(IReadOnlyList<double> shares) =>
        Math.Exp(-shares.Where(s => s > 0).Sum(s => s * Math.Log(s)));
}
