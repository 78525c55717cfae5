using System.CommandLine;
using System.Globalization;
using Dcgan.Data;
using Dcgan.IO;

namespace Dcgan.Cli;

/// <summary>dcgan evaluator train: the frozen classifier that dcgan evaluate judges with.</summary>
internal static class EvaluatorCommand
{
    public static Command Create()
    {
        var data = new DataOptions();
        var testImages = new Option<FileInfo>("--test-images") { Description = "IDX test images to measure accuracy on (default: the dataset's test split)" };
        var testLabels = new Option<FileInfo>("--test-labels") { Description = "Their labels" };
        var epochs = new Option<int>("--epochs") { Description = "Training epochs", DefaultValueFactory = _ => 12 }.AtLeast(1);
        var seed = new Option<long>("--seed") { Description = "Random seed", DefaultValueFactory = _ => 1 };
        var output = new Option<FileInfo>("--out") { Description = "Where to save it (default: the cache, where evaluate looks)" };
        var train = new Command("train", "Train the frozen LeNet-style classifier that evaluate uses (labels needed).\n" +
            "Example: dcgan evaluator train --images train-images-idx3-ubyte.gz --labels train-labels-idx1-ubyte.gz")
        {
            testImages, testLabels, epochs, seed, output,
        };
        data.AddTo(train);
        train.SetAction(parsed => UserErrors.Run(parsed, () =>
        {
            var request = data.Request(parsed);
            string path = OutputPath.CheckFile(parsed.GetValue(output)?.FullName ?? Evaluation.Evaluator.DefaultPath(request.Dataset), "--out",
                request.Images, request.Labels, parsed.GetValue(testImages)?.FullName, parsed.GetValue(testLabels)?.FullName);
            var trainSet = Downloads.Load(request, Split.Train);
            var testSet = parsed.GetValue(testImages) is { } ti
                ? Downloads.Load(new DataRequest { Images = ti.FullName, Labels = parsed.GetValue(testLabels)?.FullName }, Split.Test)
                : Downloads.Load(request with { Images = null, Labels = null }, Split.Test);
            var trainLabels = trainSet.Labels ?? throw new ArgumentException($"{trainSet.ImagesPath} has no labels; pass --labels with --images.");
            var testLabelBytes = testSet.Labels ?? throw new ArgumentException($"{testSet.ImagesPath} has no labels; pass --test-labels.");
            foreach (var (labels, file) in new[] { (trainLabels, request.Labels ?? trainSet.ImagesPath), (testLabelBytes, parsed.GetValue(testLabels)?.FullName ?? testSet.ImagesPath) })
            {
                if (Evaluation.Evaluator.LabelBeyondClasses(labels) is var (at, label))
                {
                    throw new InvalidDataException($"{file} has label {label} (label {at + 1}); the evaluator tells digits 0 to 9, so give it labels 0 to 9.");
                }
            }
            Console.WriteLine($"Training the evaluator on {trainSet.Images.Count} images, testing on {testSet.Images.Count}");

            var (model, info) = Evaluation.Evaluator.Train(trainSet.Images, trainLabels, testSet.Images, testLabelBytes,
                request.Dataset, parsed.GetValue(epochs), parsed.GetValue(seed), Console.WriteLine);
            using (model)
            {
                Evaluation.Evaluator.Save(path, model, info);
                using var saved = Evaluation.Evaluator.Load(path);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"Saved {path}: test accuracy {info.TestAccuracy:P2}, evaluator {saved.ShortHash}"));
            }
            return 0;
        }));
        var command = new Command("evaluator", "The classifier behind 'dcgan evaluate'.");
        command.Subcommands.Add(train);
        return command;
    }
}
