using System.CommandLine;
using Dcgan.Data;
using Dcgan.Evaluation;
using Dcgan.Generation;
using Dcgan.Training;

namespace Dcgan.Cli;

/// <summary>dcgan evaluate: how good the digits are, in numbers, beside real data's.</summary>
internal static class EvaluateCommand
{
    private static readonly CheckpointOptions Checkpoints = new(required: false);
    private static readonly System.Text.Json.JsonSerializerOptions Indented = new() { WriteIndented = true };
    private static readonly SamplingOptions Sampling = new();
    private static readonly DataOptions Data = new();
    private static readonly Option<FileInfo> Samples = new("--samples")
    {
        Description = "Generated images to judge instead of --run/--checkpoint: an IDX file, or a folder of images (such as 'generate --out FOLDER/' writes; judged on ImageNet features)",
    };
    private static readonly Option<bool> ImageNet = new("--imagenet")
    {
        Description = "Only the ImageNet features' numbers (FD-ResNet18, KID, precision/recall, density/coverage, always reported), not the evaluator's beside them",
    };
    private static readonly Option<int> Count = new Option<int>("--count") { Description = "How many generated and real images", DefaultValueFactory = _ => 10_000 }.AtLeast(Comparison.MinImages)
        .AtMost(Limits.MaxSamples, "more than any test set holds");
    private static readonly Option<FileInfo> Reference = new("--reference") { Description = "Real held-out images (default: the dataset's test split)" };
    private static readonly Option<FileInfo> Evaluator = new("--evaluator") { Description = "The evaluator (default: the one 'dcgan evaluator train' saved)" };
    private static readonly Option<long> Seed = new("--seed") { Description = "Seed of the generated noise", DefaultValueFactory = _ => 0 };
    private static readonly Option<int> PerClass = new Option<int>("--per-class")
    {
        Description = "For a generator that draws the digit asked for: draws of each class to train the classification accuracy score's classifier on (0: no score)",
        DefaultValueFactory = _ => Comparison.DefaultPerClass,
    }.AtLeast(0).AtMost(Limits.MaxSamples / 10, "more than a classifier needs"); // of ten digits: draws for more classes are counted when made
    private static readonly Option<bool> Json = new("--json") { Description = "Print JSON instead of a table" };

    public static Command Create()
    {
        var command = new Command("evaluate", "Measure generated images against real ones on ImageNet features (any images, labelled or not), and with a frozen evaluator where one fits, beside real data's numbers.\n" +
            "Example: dcgan evaluate --run runs/faces                           (against the run's own images)\n" +
            "         dcgan evaluate --run runs/emoji --evaluator emoji.evaluator   (and the evaluator's scores on its held-out images)\n" +
            "         dcgan evaluate --samples generated/ --data real/ --image-size 64   (two folders)")
        {
            Samples, Count, PerClass, Reference, Evaluator, Seed, Json, ImageNet,
        };
        Checkpoints.AddTo(command);
        Sampling.AddTo(command);
        Data.AddTo(command);
        command.Validators.Add(result =>
        {
            int sources = (result.GetResult(Samples) is null ? 0 : 1) + (Checkpoints.Given(result) ? 1 : 0);
            if (sources != 1)
            {
                result.AddError("Name what to evaluate: --run DIR, --checkpoint FILE or --samples FILE.idx (one of them).");
            }
        });
        command.SetAction(parsed => UserErrors.Run(parsed, () => Evaluate(parsed)));
        return command;
    }

    private static int Evaluate(ParseResult parsed)
    {
        using var restored = parsed.GetValue(Samples) is null ? Checkpoints.Load(parsed) : null;
        // Without data named, an evaluator trained on a folder or CIFAR-10 compares against its own data.
        var request = Comparison.DataOf(Data.Request(parsed), Data.Named(parsed), parsed.GetValue(Evaluator)?.FullName);
        bool classifier = !parsed.GetValue(ImageNet) && (parsed.GetValue(Evaluator) is not null
            || (IsIdx(parsed.GetValue(Samples)) || restored is not null) && TrainingEvaluation.DefaultEvaluatorFits(request, restored?.Generator.Shape ?? Models.ImageShape.Tutorial));
        if (!classifier && !parsed.GetValue(ImageNet) && request.Data is null && request.Images is null && restored?.Generator.Shape.IsTutorial != false)
        {
            Console.Error.WriteLine($"note: no evaluator of {request.Dataset} is saved ('dcgan evaluator train --dataset {request.Dataset}' makes one, whose scores then come beside these): the ImageNet features alone.");
        }
        return classifier ? WithEvaluator(parsed, restored, request) : OnImageNetFeatures(parsed, restored);
    }

    private static bool IsIdx(FileInfo? samples) => samples is not null && !Directory.Exists(samples.FullName);

    /// <summary>The evaluator's scores against its real images, and beside them the ImageNet features' against the
    /// training images, of the same images judged.</summary>
    private static int WithEvaluator(ParseResult parsed, TrainedModels? restored, DataRequest request)
    {
        var samples = SamplesFile(parsed); // a wrong file is said before the real images are read, or downloaded
        // With --json, stdout is the report alone; what is said about the data goes to stderr.
        Action<string> say = parsed.GetValue(Json) ? Console.Error.WriteLine : Console.WriteLine;
        using var floorImages = Downloads.Load(request, Split.Train, say: say).Images;
        using var comparison = Comparison.ForDataset(request, floorImages, parsed.GetValue(Evaluator)?.FullName,
            parsed.GetValue(Reference)?.FullName, Math.Min(parsed.GetValue(Count), samples?.Images.Count ?? int.MaxValue), (r, split) => Downloads.Load(r, split, say: say), Console.Error.WriteLine);
        // Drawn last: the real images and the evaluator are known to be right before minutes go into sampling.
        if (restored is not null)
        {
            comparison.CheckDraws(restored.Generator.Shape, $"the checkpoint of epoch {restored.Epoch}");
        }
        var (subject, generated) = samples ?? Drawn(parsed, restored!);
        using (generated)
        {
            var eachClass = EachClass(parsed, restored, comparison);
            var report = comparison.Measure(subject, generated, eachClass, Console.Error.WriteLine);
            var features = MeasureOnImageNet(parsed, request, subject, generated, floorImages);
            Console.WriteLine(parsed.GetValue(Json) ? TrainingEvaluation.Record(features, report).ToJsonString(Indented)
                : report.ToTable() + Environment.NewLine + Environment.NewLine + features.ToTable());
        }
        return 0;
    }

    /// <summary>--imagenet: the images judged (drawn from the checkpoint, an IDX file or a folder) against the real ones
    /// (named, else the run's own as its run.json records them) on ImageNet features.</summary>
    private static int OnImageNetFeatures(ParseResult parsed, TrainedModels? restored)
    {
        Action<string> say = parsed.GetValue(Json) ? Console.Error.WriteLine : Console.WriteLine;
        var shape = restored?.Recipe.Shape;
        // The run's own data is read as it was (a folder with its options); data named is read at the generator's shape.
        var named = Data.Request(parsed);
        var request = (Data.Named(parsed) ? null : RunData(parsed, shape))
            ?? named with { ImageSize = named.ImageSize ?? shape?.Size, Channels = named.Channels ?? shape?.Channels };
        using var real = Downloads.Load(request, Split.Train, say: say).Images;
        var (subject, generated) = parsed.GetValue(Samples) is { } file
            ? (file.FullName, Directory.Exists(file.FullName)
                ? ImageFolder.Read(file.FullName, new ImageFolderOptions { Size = real.Rows, Channels = real.Channels }, Console.Error.WriteLine)
                : IdxFile.ReadImages(file.FullName))
            : Drawn(parsed, restored!);
        using (generated)
        {
            var report = MeasureOnImageNet(parsed, request, subject, generated, real);
            Console.WriteLine(parsed.GetValue(Json) ? report.ToJson() : report.ToTable());
        }
        return 0;
    }

    /// <summary><paramref name="generated"/> against <paramref name="real"/> on ImageNet features, the real ones'
    /// kept in <paramref name="request"/>'s data cache.</summary>
    private static ImageNetReport MeasureOnImageNet(ParseResult parsed, DataRequest request, string subject, ImageSet generated, ImageSet real)
    {
        using var network = ImageNetFeatures.Load();
        using var comparison = ImageNetComparison.Prepare(real, Math.Min(parsed.GetValue(Count), generated.Count), parsed.GetValue(Seed), images => network.Of(images),
            Console.Error.WriteLine, request.CacheFolder);
        return comparison.Measure(subject, generated);
    }

    /// <summary>The data a run was trained on, as its run.json records it (<see cref="Runs.RunFolder.TrainingData"/>); null
    /// for a built-in dataset, whose own request (with --dataset) finds it again, or no run.</summary>
    private static DataRequest? RunData(ParseResult parsed, Models.ImageShape? shape)
    {
        if (Checkpoints.RunPath(parsed) is not { } runPath)
        {
            return null;
        }
        var run = new Runs.RunFolder(runPath);
        if (run.TrainingData(shape) is { } request)
        {
            return request;
        }
        return shape is { IsTutorial: false } && run.ReadRecord()["data"]?["path"] is { } path
            ? throw new ArgumentException($"{runPath} was trained on a dataset of this tool's ({path}); name it again to measure against it (--dataset NAME, or --data).")
            : null;
    }

    /// <summary>The --samples file's images and its name, checked to be enough to measure; null for a checkpoint.</summary>
    private static (string Subject, ImageSet Images)? SamplesFile(ParseResult parsed)
    {
        if (parsed.GetValue(Samples) is not { } file)
        {
            return null;
        }
        var images = IdxFile.ReadImages(file.FullName);
        Evaluation.Evaluator.CheckImages(images, file.FullName);
        return (file.FullName, images);
    }

    /// <summary>--count images drawn from the checkpoint, and what to call them.</summary>
    private static (string Subject, ImageSet Images) Drawn(ParseResult parsed, TrainedModels restored)
    {
        using var images = Sampler.Sample(Sampling.Generator(parsed, restored), parsed.GetValue(Count), parsed.GetValue(Seed), Sampling.BatchNorm(parsed, restored));
        return ($"epoch {restored.Epoch}", Sampler.ToImageSet(images));
    }

    /// <summary>For a generator whose categories are the labels, --per-class draws of each, labelled: drawn only once
    /// the real images are known to have labels to score them against.</summary>
    private static ImageSet? EachClass(ParseResult parsed, TrainedModels? restored, Comparison comparison)
    {
        if (restored is null || !ClassificationAccuracy.Scores(restored.Recipe) || parsed.GetValue(PerClass) is not (> 0 and var perClass))
        {
            return null;
        }
        if (comparison.Classes is null)
        {
            Console.Error.WriteLine("note: no classification accuracy score: the real images have no labels (leave out --reference for the dataset's test split).");
            return null;
        }
        if (comparison.ClassProblem(restored.Recipe) is { } mismatch)
        {
            Console.Error.WriteLine($"note: no classification accuracy score or per-class figures: {mismatch}.");
            return null;
        }
        return Sampler.SampleEachCategory(Sampling.Generator(parsed, restored), perClass, parsed.GetValue(Seed), Sampling.BatchNorm(parsed, restored));
    }
}
