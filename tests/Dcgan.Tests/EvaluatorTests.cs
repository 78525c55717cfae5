using Dcgan.Data;
using Dcgan.Evaluation;

namespace Dcgan.Tests;

public class EvaluatorTests
{
    /// <summary>Two easily told classes: a vertical bar (0) and a horizontal one (1).</summary>
    private static (ImageSet Images, byte[] Labels) Bars(int count)
    {
        var pixels = new byte[count * 784];
        var labels = new byte[count];
        for (int i = 0; i < count; i++)
        {
            labels[i] = (byte)(i % 2);
            int at = 6 + i % 16;
            for (int j = 4; j < 24; j++)
            {
                pixels[i * 784 + (labels[i] == 0 ? j * 28 + at : at * 28 + j)] = 255;
            }
        }
        return (new ImageSet(pixels, count, 28, 28), labels);
    }

    [Fact]
    public void Trains_saves_and_loads_with_a_content_hash()
    {
        using var dir = new TempFolder();
        var (train, trainLabels) = Bars(512);
        var (test, testLabels) = Bars(40);

        var (model, info) = Evaluator.Train(train, trainLabels, test, testLabels, "bars", epochs: 3, seed: 3);
        using (model)
        {
            Evaluator.Save(dir.File("e.evaluator"), model, info);
        }
        using var loaded = Evaluator.Load(dir.File("e.evaluator"));
        using var again = Evaluator.Load(dir.File("e.evaluator"));

        Assert.True(info.TestAccuracy > 0.75, $"accuracy {info.TestAccuracy} (chance is 0.5)");
        Assert.Equal(info.TestAccuracy, Evaluator.Accuracy(loaded.Model, test, testLabels));
        Assert.Equal(64, loaded.Hash.Length);
        Assert.Equal(loaded.Hash, again.Hash);
        Assert.Equal(("bars", 512, 3), (loaded.Info.Dataset, loaded.Info.TrainImages, loaded.Info.Epochs));
    }

    [Fact]
    public void Real_images_against_themselves_measure_perfectly()
    {
        using var dir = new TempFolder();
        var (train, trainLabels) = Bars(128);
        var (model, info) = Evaluator.Train(train, trainLabels, train, trainLabels, "bars", epochs: 1, seed: 3);
        using (model)
        {
            Evaluator.Save(dir.File("e.evaluator"), model, info);
        }
        using var judge = Evaluator.Load(dir.File("e.evaluator"));
        using var images = train.ToTensor();

        using var reference = judge.Prepare(images);
        var same = judge.Measure(images, reference, splits: 4);

        Assert.Equal(0.0, same.FrechetDistanceFeatures, 6);
        Assert.Equal(0.0, same.FrechetDistanceLogits, 6);
        Assert.Equal((1.0, 1.0), (same.Precision, same.Recall));
        Assert.Equal(2, same.ClassShares.Length); // as many classes as the labels have (bars: 0 and 1)
        Assert.Equal(1.0, same.ClassShares.Sum(), 9);
    }

    [Fact]
    public void A_file_that_is_not_an_evaluator_is_refused()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("x.evaluator"), "nothing of the kind");

        var e = Assert.Throws<InvalidDataException>(() => Evaluator.Load(dir.File("x.evaluator")));
        var missing = Assert.Throws<InvalidDataException>(() => Evaluator.Load(dir.File("none")));

        Assert.StartsWith($"{dir.File("x.evaluator")} is not a usable evaluator", e.Message);
        Assert.Contains("'dcgan evaluator train'", missing.Message);
    }
}
