using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dcgan.Data;
using Dcgan.Evaluation;
using Dcgan.Generation;
using Dcgan.Training;

namespace Dcgan.Cli;

/// <summary>dcgan train: the tutorial's whole run.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var defaults = new TrainOptions();
        var data = new DataOptions();
        var epochs = new Option<int>("--epochs") { Description = "Epochs to train to", DefaultValueFactory = _ => defaults.Epochs }.AtLeast(1);
        var batchSize = new Option<int?>("--batch-size") { Description = $"Images per train step (default: the recipe's, {Recipe.Tutorial.BatchSize}, or a resumed run's own)" }.AtLeast(1);
        var recipe = OptionRules.RecipeOption();
        var checkpointEvery = new Option<int>("--checkpoint-every")
        {
            Description = "Save a checkpoint every N epochs (the last epoch is always saved)",
            DefaultValueFactory = _ => defaults.CheckpointEvery,
        }.AtLeast(1);
        var output = new Option<DirectoryInfo>("--out")
        {
            Description = "The run's folder: grids, checkpoints, GIF. A folder with checkpoints is resumed",
            DefaultValueFactory = _ => new DirectoryInfo("runs/dcgan"),
        };
        var seed = new Option<long?>("--seed") { Description = "Random seed for weights, noise, dropout and shuffling (default: a new one, printed)" };
        var keep = new Option<int?>("--keep") { Description = "Keep only the newest N checkpoints (default: every one)" }.AtLeast(1);

        var evalEvery = new Option<int?>("--eval-every") { Description = "Evaluate every N epochs (and after the last) into metrics.jsonl; costs time" }.AtLeast(1);
        var evaluator = new Option<FileInfo>("--evaluator") { Description = "The evaluator for --eval-every (default: the one 'dcgan evaluator train' saved)" };
        var evalCount = new Option<int>("--eval-count") { Description = "Images per evaluation", DefaultValueFactory = _ => 10_000 }.AtLeast(20);
        var evalReference = new Option<FileInfo>("--eval-reference") { Description = "Real held-out images for --eval-every (default: the dataset's test split)" };
        var precision = OptionRules.PrecisionOption(defaultValue: null);
        var skipSelfCheck = new Option<bool>("--skip-self-check") { Description = "Do not check libtorch's kernels against float64 before training (see dcgan doctor)" };
        var tensorboard = new Option<DirectoryInfo>("--tensorboard") { Description = "Also write TensorBoard event files (losses, D outputs, grids) into this folder" };
        var command = new Command("train", "Train the tutorial's generator and discriminator adversarially.\n" +
            "With no data option it uses MNIST's 60,000 training images: cached, from Keras's cache, or downloaded once.\n" +
            "Example: dcgan train --epochs 50 --out runs/mnist")
        {
            recipe, epochs, batchSize, checkpointEvery, output, seed, keep, precision, evalEvery, evaluator, evalCount, evalReference, tensorboard,
            skipSelfCheck,
        };
        data.AddTo(command);
        command.SetAction(parsed => UserErrors.Run(() =>
        {
            var options = new TrainOptions
            {
                Epochs = parsed.GetValue(epochs),
                Recipe = parsed.GetValue(recipe),
                BatchSize = parsed.GetValue(batchSize),
                CheckpointEvery = parsed.GetValue(checkpointEvery),
                Seed = parsed.GetValue(seed),
                Keep = parsed.GetValue(keep),
                EvalEvery = parsed.GetValue(evalEvery),
                Precision = OptionRules.ToPrecision(parsed.GetValue(precision)),
                SelfCheck = !parsed.GetValue(skipSelfCheck),
            };
            var run = new RunFolder(parsed.GetValue(output)!.FullName);
            run.EnsureWritable();
            var request = data.Request(parsed);
            var loaded = Downloads.Load(request, Split.Train);
            var images = loaded.Images;

            Console.WriteLine($"Data: {images.Count} images of {images.Rows}x{images.Columns} from {loaded.ImagesPath}");
            using var judge = options.EvalEvery is null ? null
                : Evaluation.Evaluator.Load(parsed.GetValue(evaluator)?.FullName ?? EvaluationCommands.DefaultEvaluatorPath(request.Dataset));
            var (reference, floor) = judge is null ? (null, null)
                : EvaluationCommands.Prepare(judge,
                    parsed.GetValue(evalReference) is { } r ? IdxFile.ReadImages(r.FullName)
                        : Downloads.Load(request with { Images = null, Labels = null }, Split.Test).Images,
                    images, parsed.GetValue(evalCount));
            using var referenceOwner = reference;
            using var cancel = new CancellationTokenSource();
            ConsoleCancelEventHandler onCtrlC = (_, e) =>
            {
                e.Cancel = true; // let the current step finish; the loop stops at the next one
                cancel.Cancel();
            };
            Console.CancelKeyPress += onCtrlC;
            try
            {
                var evaluate = judge is null ? null : Evaluator(judge, reference!, floor!);
                var dataRecord = new JsonObject
                {
                    ["source"] = loaded.Source,
                    ["path"] = loaded.ImagesPath,
                    ["images"] = images.Count,
                    ["checksum"] = $"{loaded.Checksum.Status.ToString().ToLowerInvariant()}: {loaded.Checksum.Detail}",
                };
                var board = parsed.GetValue(tensorboard) is { } t ? new TensorBoardLog(t.FullName) : null;
                TrainingEvents AddRecords(TrainingEvents shown)
                {
                    var events = board?.Around(shown) ?? shown;
                    return events with
                    {
                        Evaluate = evaluate,
                        Started = start =>
                        {
                            dataRecord["fingerprint"] = start.DataFingerprint; // hashed once, by the trainer
                            RunRecord.Begin(run, options, start, dataRecord);
                        },
                        Epoch = r =>
                        {
                            events.Epoch?.Invoke(r);
                            RunRecord.Epoch(run, r);
                        },
                    };
                }
                TrainProgress.Run(options.Epochs, AddRecords, events => Trainer.Run(images, options, run, events, cancel.Token));
            }
            finally
            {
                Console.CancelKeyPress -= onCtrlC;
            }
            Console.WriteLine($"Done: grids and {Path.GetFileName(run.GifPath)} in {run.Path}, checkpoints in {run.CheckpointFolder}");
            return 0;
        }));
        return command;
    }

    /// <summary>Evaluates the generator on a fixed noise seed against the prepared reference; the real-data floor,
    /// measured once, is repeated in every record.</summary>
    private static Func<Gan, int, JsonObject> Evaluator(Evaluation.Evaluator judge, Reference reference, SetMetrics floor)
    {
        return (gan, epoch) =>
        {
            using var samples = Sampler.Sample(gan, reference.Count, seed: 0);
            var report = EvaluationCommands.Evaluate(judge, $"epoch {epoch}", Sampler.ToImageSet(samples), reference, floor);
            var m = report.Model;
            Spectre.Console.AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  eval epoch {epoch}: FD features {m.FrechetDistanceFeatures:F2} (real {floor.FrechetDistanceFeatures:F2}), score {m.ClassifierScore:F2} (real {floor.ClassifierScore:F2}), precision {m.Precision:F2}, recall {m.Recall:F2}, classes {m.EffectiveClasses:F1}"));
            return JsonSerializer.SerializeToNode(report)!.AsObject();
        };
    }
}
