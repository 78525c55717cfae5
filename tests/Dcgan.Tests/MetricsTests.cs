using Dcgan.Evaluation;
using TorchSharp;
using static TorchSharp.torch;

namespace Dcgan.Tests;

public class MetricsTests
{
    private static Tensor Gaussian(long n, double[] mean, double[,] root, long seed)
    {
        // x = mean + z A^T with z ~ N(0, I): covariance A A^T.
        using var generator = new torch.Generator((ulong)seed);
        using var z = torch.randn([n, mean.Length], dtype: ScalarType.Float64, generator: generator);
        using var a = torch.tensor(root);
        using var mu = torch.tensor(mean);
        return z.matmul(a.t()) + mu;
    }

    /// <summary>A copy moved by c has the same covariance, so its distance is |c|^2 exactly: the trace terms cancel
    /// (an error there, negative or positive, shows; the distance's clamp at 0 does not hide it).</summary>
    [Fact]
    public void A_shifted_copy_of_a_feature_set_is_at_the_squared_shift()
    {
        torch.manual_seed(4);
        using var features = torch.randn(500, 16, dtype: ScalarType.Float64);
        using var shift = torch.full(16, 0.25, dtype: ScalarType.Float64);
        using var moved = features + shift;

        Assert.Equal(16 * 0.25 * 0.25, Metrics.FrechetDistance(features, moved), 8);
    }

    [Fact]
    public void Frechet_distance_of_known_gaussians_is_the_analytic_one()
    {
        // Diagonal covariances: FD = |mu1 - mu2|^2 + sum_i (s1_i + s2_i - 2 sqrt(s1_i s2_i)) = |mu1-mu2|^2 + sum (sqrt s1 - sqrt s2)^2.
        using var mu1 = torch.tensor(new double[] { 0, 0, 0 });
        using var mu2 = torch.tensor(new double[] { 1, 2, 0 });
        using var s1 = torch.diag(torch.tensor(new double[] { 1, 4, 9 }));
        using var s2 = torch.diag(torch.tensor(new double[] { 4, 4, 1 }));
        double expected = (1 + 4) + (1 - 2) * (1 - 2) + 0 + (3 - 1) * (3 - 1);

        Assert.Equal(expected, Metrics.FrechetDistance(mu1, s1, mu2, s2), 9);

        // A full (rotated) covariance against itself shifted: only the mean term remains.
        using var rotated = torch.tensor(new double[,] { { 2, 1 }, { 1, 2 } });
        using var m1 = torch.tensor(new double[] { 0, 0 });
        using var m2 = torch.tensor(new double[] { 3, 4 });
        Assert.Equal(25.0, Metrics.FrechetDistance(m1, rotated, m2, rotated), 9);
    }

    [Fact]
    public void Frechet_distance_of_non_commuting_covariances_uses_the_square_root_of_their_product()
    {
        // For 2x2 matrices, Tr sqrt(S1 S2) = sqrt(tr(S1 S2) + 2 sqrt(det S1 det S2)) (the eigenvalues l1, l2 of S1 S2 are
        // positive, and (sqrt l1 + sqrt l2)^2 = l1 + l2 + 2 sqrt(l1 l2)). S1 S2 = [[2, 4], [1, 8]]: trace 10;
        // det S1 = 3, det S2 = 4.
        using var s1 = torch.tensor(new double[,] { { 2, 1 }, { 1, 2 } });
        using var s2 = torch.tensor(new double[,] { { 1, 0 }, { 0, 4 } });
        using var m1 = torch.tensor(new double[] { 1, 0 });
        using var m2 = torch.tensor(new double[] { 0, 2 });
        double expected = (1 + 4) + 4 + 5 - 2 * Math.Sqrt(10 + 2 * Math.Sqrt(3 * 4));
        // What Tr(S1^1/2 S2^1/2) would give instead (S1^1/2 has diagonal (sqrt 3 + 1) / 2, S2^1/2 = diag(1, 2)).
        double commutingMistake = (1 + 4) + 4 + 5 - 2 * 1.5 * (Math.Sqrt(3) + 1);

        double actual = Metrics.FrechetDistance(m1, s1, m2, s2);

        Assert.Equal(expected, actual, 9);
        Assert.True(Math.Abs(expected - commutingMistake) > 0.02, "the example tells the two apart");
    }

    [Fact]
    public void Frechet_distance_from_samples_approaches_the_analytic_value()
    {
        using var a = Gaussian(20_000, [0, 0], new double[,] { { 1, 0 }, { 0, 1 } }, 1);
        using var b = Gaussian(20_000, [2, 0], new double[,] { { 2, 0 }, { 0, 1 } }, 2);
        double expected = 4 + (1 - 2) * (1 - 2); // |mu|^2 + (sqrt 1 - sqrt 4)^2

        Assert.InRange(Metrics.FrechetDistance(a, b), expected - 0.2, expected + 0.2); // sampling error of 20,000 points
    }

    [Fact]
    public void Constant_predictions_score_one_and_confident_uniform_ones_score_ten()
    {
        using var constant = torch.zeros(100, 10);
        constant[.., 3] = torch.tensor(1f);
        using var uniform = torch.zeros(100, 10);
        for (int i = 0; i < 100; i++)
        {
            uniform[i, i % 10] = torch.tensor(1f);
        }

        Assert.Equal(1.0, Metrics.ClassifierScore(constant), 6);
        Assert.Equal(10.0, Metrics.ClassifierScore(uniform), 4);
        var (mean, std) = Metrics.ClassifierScoreSplits(uniform, 10);
        Assert.Equal((10.0, 0.0), (Math.Round(mean, 4), Math.Round(std, 6)));
        Assert.Equal(10.0, Metrics.EffectiveClasses(Metrics.ClassShares(uniform)), 6);
        Assert.Equal(1.0, Metrics.EffectiveClasses(Metrics.ClassShares(constant)), 6);
    }

    [Theory]
    [InlineData(2, 0.5)]  // real radii 2, 1, 2, 9: generated 19.5 (9.5 from 10) and 30 fall outside
    [InlineData(3, 0.75)] // real radii 10, 9, 8, 10: 19.5 falls inside, 30 (20 from 10) still outside
    public void Precision_counts_generated_points_within_the_kth_neighbour_radius_of_a_real_point(int k, double expected)
    {
        // In one dimension, by hand: the radius of a real point is the distance to its k-th nearest other real point.
        using var real = torch.tensor(new double[] { 0, 1, 2, 10 }).unsqueeze(1);
        using var generated = torch.tensor(new double[] { 0.5, 4.5, 19.5, 30 }).unsqueeze(1);

        var (precision, recall) = Metrics.PrecisionRecall(real, generated, k, block: 3);

        Assert.Equal(expected, precision);
        // Generated radii (k = 2: 19, 15, 15, 25.5; k = 3: 29.5, 25.5, 19, 29.5) hold every real point: 10 is 9.5 from 0.5.
        Assert.Equal(1.0, recall);
    }

    /// <summary>A set moved far from the real one lies outside every real point's neighbourhood (precision 0), and its
    /// own neighbourhoods hold no real point (recall 0); moved by a little, all of each.</summary>
    [Fact]
    public void Precision_and_recall_of_a_far_copy_are_zero_and_of_a_near_copy_one()
    {
        using var set = torch.randn(300, 8);
        using var far = set + 100;
        using var near = set + 1e-4;

        Assert.Equal((0.0, 0.0), Metrics.PrecisionRecall(set, far, k: 3, block: 64));
        Assert.Equal((1.0, 1.0), Metrics.PrecisionRecall(set, near, k: 3, block: 64));
    }

    [Fact]
    public void Precision_and_recall_see_a_collapsed_generator()
    {
        using var real = torch.randn(400, 4);
        // Generated points all near one real point: inside the real manifold (precision 1), covering little of it.
        using var collapsed = real[..1].repeat(400, 1) + torch.randn(400, 4) * 1e-3;

        var (precision, recall) = Metrics.PrecisionRecall(real, collapsed, k: 3, block: 100);

        Assert.Equal(1.0, precision);
        Assert.InRange(recall, 0.0, 0.05);
    }

    /// <summary>Density and coverage by hand on a line, k = 1: real 0, 1, 2, 10 have radii 1, 1, 1, 8; the generated
    /// 0.5 is in the balls of 0 and 1, and 9 in that of 10: 3 hits over k x 2 points, and 0, 1 and 10 covered of 4.</summary>
    [Fact]
    public void Density_and_coverage_count_generated_points_in_the_real_points_balls()
    {
        using var real = torch.tensor(new double[] { 0, 1, 2, 10 }).reshape(4, 1);
        using var generated = torch.tensor(new double[] { 0.5, 9 }).reshape(2, 1);

        var (density, coverage) = Dcgan.Evaluation.Metrics.DensityCoverage(real, generated, k: 1, block: 1);

        Assert.Equal(1.5, density, 12);
        Assert.Equal(0.75, coverage, 12);
    }

    /// <summary>KID by hand: x = {0, 1}, y = {1, 2} in one dimension, k(a, b) = (ab + 1)^3. Within x, k(0, 1) = 1 (twice,
    /// over 2 x 1 pairs: 1); within y, k(1, 2) = 27; across, 1 + 1 + 8 + 27 = 37, times 2 / 4: 18.5. 1 + 27 - 18.5 = 9.5,
    /// whatever the subsets (each is the whole set).</summary>
    [Fact]
    public void Kernel_distance_of_two_tiny_sets_is_the_hand_computed_one()
    {
        using var x = torch.tensor(new double[] { 0, 1 }).reshape(2, 1);
        using var y = torch.tensor(new double[] { 1, 2 }).reshape(2, 1);
        using var random = new torch.Generator(1);

        var (mean, std) = Dcgan.Evaluation.Metrics.KernelDistance(x, y, random, subsets: 5);

        Assert.Equal(9.5, mean, 12);
        Assert.Equal(0, std, 12);
    }

    /// <summary>Unbiased, against the population value: for x ~ N(0, 1) and y ~ N(1, 1) in one dimension, with the
    /// moments of each (E x^3 = 0, E x^2 = 1; E y = 1, E y^2 = 2, E y^3 = 4), E k(x, x') = 3 + 1 = 4,
    /// E k(y, y') = 16 + 3 x 4 + 3 + 1 = 32 and E k(x, y) = 3 x 2 + 1 = 7: MMD^2 = 4 + 32 - 14 = 22. Two samples of one
    /// distribution average 0 even on subsets of 10, where the biased estimate (the diagonal kept, over m^2) would be
    /// about 2 (E k(x, x) - E k(x, x')) / m = 2 (28 - 4) / 10 = 4.8 above it.</summary>
    [Fact]
    public void Kernel_distance_estimates_the_population_value_without_bias()
    {
        using var random = new torch.Generator(7);
        using var x = torch.randn([20_000, 1], dtype: ScalarType.Float64, generator: random);
        using var y = torch.randn([20_000, 1], dtype: ScalarType.Float64, generator: random) + 1;
        using var same = torch.randn([20_000, 1], dtype: ScalarType.Float64, generator: random);

        var (shifted, _) = Dcgan.Evaluation.Metrics.KernelDistance(x, y, random, subsets: 50, subsetSize: 2000);
        var (alike, _) = Dcgan.Evaluation.Metrics.KernelDistance(x, same, random, subsets: 4000, subsetSize: 10);

        Assert.InRange(shifted, 22 * 0.9, 22 * 1.1);
        Assert.InRange(alike, -1, 1);
    }
}
