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

    [Fact]
    public void Identical_feature_sets_are_at_distance_zero()
    {
        using var features = torch.randn(500, 16, dtype: ScalarType.Float64);

        Assert.Equal(0.0, Metrics.FrechetDistance(features, features), 8);
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

    [Fact]
    public void Precision_and_recall_of_a_set_against_itself_are_one()
    {
        using var set = torch.randn(300, 8);

        var (precision, recall) = Metrics.PrecisionRecall(set, set, k: 3, block: 64);

        Assert.Equal((1.0, 1.0), (precision, recall));
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
}
