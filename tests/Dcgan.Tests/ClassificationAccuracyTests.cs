using Dcgan.Data;
using Dcgan.Evaluation;

namespace Dcgan.Tests;

/// <summary>
/// The classification accuracy score against cases whose answer is known: ten classes, each drawn in one of two
/// styles (a small square in one of two places of its own), so that a set missing a style cannot teach the class.
/// </summary>
public class ClassificationAccuracyTests : IClassFixture<ClassificationAccuracyTests.Judge>
{
    private readonly Judge judge;

    public ClassificationAccuracyTests(Judge judge) => this.judge = judge;

    /// <summary>Class k in style s (0 or 1): a 4x4 square in a cell of a 5x4 grid, moved by up to a pixel, of a random
    /// brightness: cell k in style 0 (the top half), cell 10 + 7k mod 10 in style 1, away from the first. Image i is of
    /// class i mod 10; <paramref name="style"/> fixes the style (null: i / 10 mod 2).</summary>
    private static ImageSet Squares(int count, int seed, int? style = null, Func<int, int>? label = null)
    {
        var random = new Random(seed);
        var pixels = new byte[count * 784];
        var labels = new byte[count];
        for (int i = 0; i < count; i++)
        {
            int k = i % 10;
            int cell = (style ?? i / 10 % 2) == 0 ? k : 10 + 7 * k % 10;
            int top = 2 + cell / 4 * 5 + random.Next(-1, 2), left = 2 + cell % 4 * 6 + random.Next(-1, 2);
            byte bright = (byte)random.Next(150, 256);
            for (int y = top; y < top + 4; y++)
            {
                for (int x = left; x < left + 4; x++)
                {
                    pixels[i * 784 + y * 28 + x] = bright;
                }
            }
            labels[i] = (byte)(label ?? (c => c))(k);
        }
        return new ImageSet(pixels, count, 28, 28).WithLabels(labels);
    }

    /// <summary>The same image, repeated: the first <paramref name="perClass"/> x 10 images of a set made of one image
    /// of each class (its first style), in turn.</summary>
    private static ImageSet Repeated(int perClass, int seed)
    {
        var one = Squares(10, seed, style: 0);
        var pixels = new byte[perClass * 10 * 784];
        for (int i = 0; i < perClass * 10; i++)
        {
            Array.Copy(one.CopyPixels(), i % 10 * 784, pixels, i * 784, 784);
        }
        return new ImageSet(pixels, perClass * 10, 28, 28).WithLabels([.. Enumerable.Range(0, perClass * 10).Select(i => (byte)(i % 10))]);
    }

    public sealed class Judge : IDisposable
    {
        private readonly TempFolder dir = new();

        public Judge()
        {
            var (model, info) = Evaluator.Train(Squares(600, 1), Squares(600, 1).Labels!, Squares(200, 2), Squares(200, 2).Labels!, "squares", epochs: 5);
            using (model)
            {
                Evaluator.Save(dir.File("squares.evaluator"), model, info);
            }
            Evaluator = Evaluator.Load(dir.File("squares.evaluator"));
            Score = new ClassificationAccuracy(Evaluator, Squares(400, 3), Squares(400, 4));
        }

        public Evaluator Evaluator { get; }
        public ClassificationAccuracy Score { get; }

        public void Dispose()
        {
            Evaluator.Dispose();
            dir.Dispose();
        }
    }

    [Fact]
    public void Draws_as_varied_as_real_data_score_as_real_data()
    {
        var metrics = judge.Score.Measure(Squares(400, 5));

        Assert.Equal(400, metrics.RealImages);
        Assert.True(metrics.RealAccuracy > 0.9, $"real {metrics.RealAccuracy}");
        Assert.InRange(metrics.Accuracy, metrics.RealAccuracy - 0.05, 1);
        Assert.All(metrics.OwnClassShares.Zip(metrics.RealOwnClassShares), s => Assert.True(s.First > s.Second - 0.1, $"own class {s}"));
        // Forty images of a class give a noisy distance in 128 features, so the classes are taken together here.
        Assert.True(metrics.MeanIntraClassFd < 2 * metrics.RealMeanIntraClassFd + 0.5, $"intra-class FD {metrics.MeanIntraClassFd} vs real {metrics.RealMeanIntraClassFd}");
    }

    [Fact]
    public void One_repeated_image_per_class_scores_far_below_real_data()
    {
        var metrics = judge.Score.Measure(Repeated(40, 6));

        // Half of each class's real test images are in the style the repeated image lacks.
        Assert.True(metrics.Accuracy < metrics.RealAccuracy - 0.25, $"CAS {metrics.Accuracy} vs real {metrics.RealAccuracy}");
        Assert.All(metrics.IntraClassFd.Zip(metrics.RealIntraClassFd), d => Assert.True(d.First > 3 * d.Second, $"intra-class FD {d.First} vs real {d.Second}"));
    }

    [Fact]
    public void Draws_of_the_wrong_class_score_near_zero()
    {
        // Every draw "of class k" shows class k + 1: the evaluator reads none as its class, and a classifier trained
        // on them calls each real digit by the wrong name.
        var metrics = judge.Score.Measure(Squares(400, 7, label: k => (k + 9) % 10));

        Assert.True(metrics.Accuracy < 0.1, $"CAS {metrics.Accuracy}");
        Assert.All(metrics.OwnClassShares, s => Assert.True(s < 0.1, $"own class {s}"));
    }

    [Fact]
    public void Refuses_unlabelled_draws_in_one_line()
    {
        var unlabelled = new ImageSet(new byte[40 * 784], 40, 28, 28);

        var e = Assert.Throws<ArgumentException>(() => judge.Score.Measure(unlabelled));
        Assert.Contains("label", e.Message, StringComparison.Ordinal);
    }
}
