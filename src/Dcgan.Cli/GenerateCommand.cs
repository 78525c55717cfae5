using System.CommandLine;
using Dcgan.Imaging;
using Dcgan.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Dcgan.Cli;

/// <summary>dcgan generate: restore a checkpoint, as the tutorial's checkpoint.restore(tf.train.latest_checkpoint(...)),
/// and draw new digits.</summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var runOption = new Option<DirectoryInfo>("--run") { Description = "A run folder: its latest checkpoint is used" };
        var checkpointOption = new Option<FileInfo>("--checkpoint") { Description = "A checkpoint file (instead of --run)" };
        var output = new Option<FileInfo>("--out") { Description = "The PNG to write", Required = true };
        var count = new Option<int>("--count") { Description = "How many digits", DefaultValueFactory = _ => 16 }.AtLeast(1);
        var seed = new Option<long?>("--seed") { Description = "Random seed for the noise (default: a new one, printed)" };

        var command = new Command("generate", "Write a grid of new digits from a trained generator.\n" +
            "Example: dcgan generate --run runs/mnist --out digits.png --count 64")
        {
            runOption, checkpointOption, output, count, seed,
        };
        command.Validators.Add(result =>
        {
            bool hasRun = result.GetResult(runOption) is not null, hasCheckpoint = result.GetResult(checkpointOption) is not null;
            if (hasRun == hasCheckpoint)
            {
                result.AddError("Name either --run DIR or --checkpoint FILE (one of them).");
            }
        });
        command.SetAction(parsed => UserErrors.Run(() =>
        {
            string checkpointPath = parsed.GetValue(checkpointOption)?.FullName ?? LatestOf(parsed.GetValue(runOption)!.FullName);
            string outPath = parsed.GetValue(output)!.FullName;
            int n = parsed.GetValue(count);
            long noiseSeed = parsed.GetValue(seed) ?? Random.Shared.NextInt64(0, int.MaxValue);

            using var gan = new Gan();
            using var restored = Checkpoint.Load(checkpointPath, gan);
            torch.manual_seed(noiseSeed);
            using var noise = torch.randn(n, Models.Generator.NoiseDim);
            using var images = gan.Generate(noise);
            ImageGrid.SavePng(images, outPath, ImageGrid.SquareColumns(n));
            Console.WriteLine($"Wrote {n} digits from {Path.GetFileName(checkpointPath)} (epoch {restored.Epoch}), seed {noiseSeed}, to {outPath}");
            return 0;
        }));
        return command;
    }

    private static string LatestOf(string runPath) =>
        new RunFolder(runPath).LatestCheckpoint()
        ?? throw new InvalidDataException($"{runPath} holds no checkpoints (checkpoints/epoch-NNNN.ckpt); train into it first, or name a file with --checkpoint.");
}
