using System.CommandLine;
using System.Globalization;
using Dcgan.Data;
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
        var batchSize = new Option<int>("--batch-size") { Description = "Images per train step", DefaultValueFactory = _ => defaults.BatchSize }.AtLeast(1);
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
        var keep = new Option<int?>("--keep") { Description = "Keep only the newest N checkpoints (default: every one)" };
        keep.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is < 1 and var n)
            {
                result.AddError($"--keep must be at least 1 (got {n}).");
            }
        });

        var command = new Command("train", "Train the tutorial's generator and discriminator adversarially.\n" +
            "With no data option it uses MNIST's 60,000 training images: cached, from Keras's cache, or downloaded once.\n" +
            "Example: dcgan train --epochs 50 --out runs/mnist")
        {
            epochs, batchSize, checkpointEvery, output, seed, keep,
        };
        data.AddTo(command);
        command.SetAction(parsed => UserErrors.Run(() =>
        {
            var options = new TrainOptions
            {
                Epochs = parsed.GetValue(epochs),
                BatchSize = parsed.GetValue(batchSize),
                CheckpointEvery = parsed.GetValue(checkpointEvery),
                Seed = parsed.GetValue(seed),
                Keep = parsed.GetValue(keep),
            };
            var run = new RunFolder(parsed.GetValue(output)!.FullName);
            run.EnsureWritable();
            var loaded = Downloads.Load(data.Request(parsed), Split.Train);
            var images = loaded.Images;

            Console.WriteLine($"Data: {images.Count} images of {images.Rows}x{images.Columns} from {loaded.ImagesPath}");
            using var cancel = new CancellationTokenSource();
            ConsoleCancelEventHandler onCtrlC = (_, e) =>
            {
                e.Cancel = true; // let the current step finish; the loop stops at the next one
                cancel.Cancel();
            };
            Console.CancelKeyPress += onCtrlC;
            try
            {
                Trainer.Run(images, options, run, new TrainingEvents { Log = Console.WriteLine, Epoch = PrintEpoch }, cancel.Token);
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

    private static void PrintEpoch(EpochResult r) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Time for epoch {r.Epoch} is {r.Seconds:F1} sec  (gen loss {r.Mean.Generator:F3}, disc loss {r.Mean.Discriminator:F3}, D(x) {r.Mean.RealScore:F2}, D(G(z)) {r.Mean.FakeScore:F2}){(r.CheckpointPath is null ? "" : "  checkpoint saved")}"));
}
