using System.CommandLine;
using System.Globalization;
using Dcgan.Data;
using Dcgan.IO;
using Dcgan.Models;

namespace Dcgan.Cli;

/// <summary>dcgan evaluator train: the frozen classifier that dcgan evaluate judges with.</summary>
internal static class EvaluatorCommand
{
    /// <summary>The images to train on and to test on: --test-images, else the data's own test split, else (a folder
    /// of images, which has none) a seeded share of each class held out, with that share.</summary>
    private static (ImageSet Train, ImageSet Test, double? Share) TestSplit(ParseResult parsed, DataRequest request, ImageSet all, bool ownFolder, long seed)
    {
        if (parsed.GetValue(TestImagesOption) is { } ti)
        {
            var given = Downloads.Load(new DataRequest { Images = ti.FullName, Labels = parsed.GetValue(TestLabelsOption)?.FullName }, Split.Test);
            return (all, given.Images, null);
        }
        if (!ownFolder)
        {
            return (all, Downloads.Load(request with { Images = null, Labels = null }, Split.Test).Images, null);
        }
        var (train, test) = Evaluation.Evaluator.HoldOut(all, seed);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"The folder has no test split: holding out {Evaluation.Evaluator.HeldOutShare * 100:0}% of each class ({test.Count} images, seed {seed}); evaluations against this evaluator use the same ones."));
        return (train, test, Evaluation.Evaluator.HeldOutShare);
    }

    private static readonly Option<FileInfo> TestImagesOption = new("--test-images") { Description = "IDX test images to measure accuracy on (default: the dataset's test split; for a folder of images, a held-out share of each class)" };
    private static readonly Option<FileInfo> TestLabelsOption = new("--test-labels") { Description = "Their labels" };

    public static Command Create()
    {
        var data = new DataOptions();
        var testImages = TestImagesOption;
        var testLabels = TestLabelsOption;
        var epochs = new Option<int>("--epochs") { Description = "Training epochs", DefaultValueFactory = _ => 12 }.AtLeast(1);
        var seed = new Option<long>("--seed") { Description = "Random seed", DefaultValueFactory = _ => 1 };
        var output = new Option<FileInfo>("--out") { Description = "Where to save it (default: the cache, where evaluate looks)" };
        var train = new Command("train", "Train the frozen classifier that evaluate uses (labels needed): MNIST's LeNet at 28x28 gray, a small convolutional net at other shapes.\n" +
            "Example: dcgan evaluator train --images train-images-idx3-ubyte.gz --labels train-labels-idx1-ubyte.gz\n" +
            "         dcgan evaluator train --data ../shared/data/emoji --image-size 32 --out emoji.evaluator")
        {
            testImages, testLabels, epochs, seed, output,
        };
        data.AddTo(train);
        train.SetAction(parsed => UserErrors.Run(parsed, () =>
        {
            var request = data.Request(parsed);
            bool ownFolder = !DataSource.HasTestSplit(request);
            string name = ownFolder ? Path.GetFileName(request.Data!.TrimEnd(Path.DirectorySeparatorChar)) : request.Dataset;
            string? named = parsed.GetValue(output)?.FullName;
            var trainSet = Downloads.Load(request, Split.Train);
            var all = trainSet.Images;
            NativeSetup.Apply(); // the process's own settings (NNPACK off, freed memory reused), now that models come next
            if (all.Labels is null)
            {
                throw new ArgumentException($"{trainSet.Origin.Path} has no labels; {(ownFolder ? "put the images in one subfolder per class" : "pass --labels with --images")}.");
            }
            string path = OutputPath.CheckFile(named ?? Evaluation.Evaluator.DefaultPath(all.Shape is { IsTutorial: false } s ? $"{name}-{s.Size}{(s.Channels == 3 ? "c" : "g")}" : name), "--out",
                request.Images, request.Labels, parsed.GetValue(testImages)?.FullName, parsed.GetValue(testLabels)?.FullName);
            var (trainImages, testImageSet, share) = TestSplit(parsed, request, all, ownFolder, parsed.GetValue(seed));
            foreach (var (set, file) in new[] { (trainImages, request.Labels ?? trainSet.Origin.Path), (testImageSet, parsed.GetValue(testLabels)?.FullName ?? "the test images") })
            {
                if (set.Labels is null)
                {
                    throw new ArgumentException($"{file} has no labels; pass --test-labels.");
                }
                if (all.ClassNames is null && Evaluation.Evaluator.LabelBeyondClasses(set.Labels) is var (at, label))
                {
                    throw new InvalidDataException($"{file} has label {label} (label {at + 1}); the evaluator tells digits 0 to 9, so give it labels 0 to 9.");
                }
            }
            Console.WriteLine($"Training the evaluator on {trainImages.Count} images of {all.DescribeShape()}, testing on {testImageSet.Count}");

            Evaluation.Evaluator.TrainAndSave(path, trainImages, trainImages.Labels!, testImageSet, testImageSet.Labels!,
                name, parsed.GetValue(epochs), parsed.GetValue(seed), Console.WriteLine, all.ClassNames?.Count,
                info => info.Shape is not null || all.ClassNames is not null || share is not null
                    // Beyond MNIST-like digits: the file says what it judges and which data it held out from.
                    ? info with
                    {
                        ClassNames = all.ClassNames,
                        DataPath = request.Data ?? request.Images,
                        DataFingerprint = all.Fingerprint(),
                        HeldOutShare = share,
                        Shape = all.Shape,
                    }
                    : info);
            using var saved = Evaluation.Evaluator.Load(path);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Saved {path}: test accuracy {saved.Info.TestAccuracy:P2} over {saved.Info.ClassCount} classes, evaluator {saved.ShortHash}"));
            return 0;
        }));
        var command = new Command("evaluator", "The classifier behind 'dcgan evaluate'.");
        command.Subcommands.Add(train);
        return command;
    }
}
