using System.CommandLine;
using System.Globalization;
using Dcgan.Data;
using Dcgan.Evaluation;
using Dcgan.Generation;
using Dcgan.Training;

namespace Dcgan.Cli;

/// <summary>dcgan evaluator train, and dcgan evaluate: how good the digits are, in numbers.</summary>
internal static class EvaluationCommands
{
    public static Command Evaluator()
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
        train.SetAction(parsed => UserErrors.Run(() =>
        {
            var request = data.Request(parsed);
            var trainSet = Downloads.Load(request, Split.Train);
            var testSet = parsed.GetValue(testImages) is { } ti
                ? Downloads.Load(new DataRequest { Images = ti.FullName, Labels = parsed.GetValue(testLabels)?.FullName }, Split.Test)
                : Downloads.Load(request with { Images = null, Labels = null }, Split.Test);
            var trainLabels = trainSet.Labels ?? throw new ArgumentException($"{trainSet.ImagesPath} has no labels; pass --labels with --images.");
            var testLabelBytes = testSet.Labels ?? throw new ArgumentException($"{testSet.ImagesPath} has no labels; pass --test-labels.");
            Console.WriteLine($"Training the evaluator on {trainSet.Images.Count} images, testing on {testSet.Images.Count}");

            var (model, info) = Evaluation.Evaluator.Train(trainSet.Images, trainLabels, testSet.Images, testLabelBytes,
                request.Dataset, parsed.GetValue(epochs), parsed.GetValue(seed), Console.WriteLine);
            using (model)
            {
                string path = parsed.GetValue(output)?.FullName ?? Evaluation.Evaluator.DefaultPath(request.Dataset);
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

    public static Command Evaluate()
    {
        var checkpoints = new CheckpointOptions(required: false);
        var sampling = new SamplingOptions();
        var data = new DataOptions();
        var samples = new Option<FileInfo>("--samples") { Description = "An IDX file of generated images to judge (instead of --run/--checkpoint)" };
        var count = new Option<int>("--count") { Description = "How many generated and real images", DefaultValueFactory = _ => 10_000 }.AtLeast(20);
        var reference = new Option<FileInfo>("--reference") { Description = "Real held-out images (default: the dataset's test split)" };
        var evaluator = new Option<FileInfo>("--evaluator") { Description = "The evaluator (default: the one 'dcgan evaluator train' saved)" };
        var seed = new Option<long>("--seed") { Description = "Seed of the generated noise", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of a table" };
        var command = new Command("evaluate", "Measure generated digits against real ones with the frozen evaluator: classifier score, " +
            "Frechet distances, class balance, precision and recall, beside the same numbers for real data.\n" +
            "Example: dcgan evaluate --run runs/mnist")
        {
            samples, count, reference, evaluator, seed, json,
        };
        checkpoints.AddTo(command);
        sampling.AddTo(command);
        data.AddTo(command);
        command.Validators.Add(result =>
        {
            int sources = (result.GetResult(samples) is null ? 0 : 1) + (checkpoints.Given(result) ? 1 : 0);
            if (sources != 1)
            {
                result.AddError("Name what to evaluate: --run DIR, --checkpoint FILE or --samples FILE.idx (one of them).");
            }
        });
        command.SetAction(parsed => UserErrors.Run(() =>
        {
            var request = data.Request(parsed);
            int n = parsed.GetValue(count);
            var judge = Evaluation.Evaluator.Load(parsed.GetValue(evaluator)?.FullName ?? Evaluation.Evaluator.DefaultPath(request.Dataset));
            var real = parsed.GetValue(reference) is { } r
                ? IdxFile.ReadImages(r.FullName)
                : Downloads.Load(request with { Images = null, Labels = null }, Split.Test).Images;
            var floorImages = Downloads.Load(request, Split.Train).Images;

            string subject;
            ImageSet generated;
            if (parsed.GetValue(samples) is { } file)
            {
                generated = IdxFile.ReadImages(file.FullName);
                subject = file.FullName;
            }
            else
            {
                using var restored = checkpoints.Load(parsed);
                using var images = Sampler.Sample(sampling.Generator(parsed, restored), n, parsed.GetValue(seed), sampling.BatchNorm(parsed, restored));
                generated = Sampler.ToImageSet(images);
                subject = $"epoch {restored.Epoch}";
            }
            using var comparison = Comparison.Prepare(judge, real, floorImages, Math.Min(n, generated.Count));
            var report = comparison.Measure(subject, generated);
            Console.WriteLine(parsed.GetValue(json) ? report.ToJson() : report.ToTable());
            return 0;
        }));
        return command;
    }
}
