using System.Diagnostics;
using Dcgan.Data;
using Dcgan.Imaging;
using Dcgan.Models;
using TorchSharp;
using static TorchSharp.torch;
using Generator = Dcgan.Models.Generator;

namespace Dcgan.Training;

/// <summary>What one epoch did: its number, its wall time (training, grid and checkpoint, as the tutorial times
/// it), the mean of its step measurements, and the files it wrote.</summary>
public sealed record EpochResult(int Epoch, int Epochs, double Seconds, StepLosses Mean, string ImagePath, string? CheckpointPath);

/// <summary>
/// The tutorial's train(dataset, epochs): for each epoch, a train step per shuffled batch, a grid of the fixed
/// noise, a checkpoint on schedule and after the last epoch; then the GIF of all grids. A folder that already
/// holds checkpoints is resumed from the latest one.
/// </summary>
public static class Trainer
{
    public static void Run(ImageSet data, TrainOptions options, RunFolder run,
        Action<EpochResult>? onEpoch = null, Action<string>? log = null, CancellationToken cancel = default)
    {
        if (options.Problem() is { } problem)
        {
            throw new ArgumentException(problem, nameof(options));
        }
        if (data.Rows != 28 || data.Columns != 28)
        {
            throw new InvalidDataException(
                $"the images are {data.Rows}x{data.Columns}; the tutorial's models take 28x28 images such as MNIST's.");
        }
        Directory.CreateDirectory(run.Path);

        torch.manual_seed(options.Seed);
        using var gan = new Gan();
        using var shuffle = new torch.Generator((ulong)options.Seed);
        using var images = data.ToTensor();
        var state = Start(gan, shuffle, options, run, log);
        using var fixedNoise = state.FixedNoise;

        for (int epoch = state.Epoch + 1; epoch <= options.Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            var sum = new double[4];
            int steps = 0;
            foreach (var batch in Batches.Shuffled(images, options.BatchSize, shuffle))
            {
                using (batch)
                {
                    cancel.ThrowIfCancellationRequested();
                    var losses = gan.TrainStep(batch);
                    sum[0] += losses.Generator;
                    sum[1] += losses.Discriminator;
                    sum[2] += losses.RealScore;
                    sum[3] += losses.FakeScore;
                    steps++;
                }
            }

            string imagePath = run.ImageAtEpoch(epoch);
            using (var grid = gan.Generate(fixedNoise))
            {
                ImageGrid.SavePng(grid, imagePath, ImageGrid.SquareColumns(options.ExamplesToGenerate));
            }

            string? checkpointPath = null;
            if (epoch % options.CheckpointEvery == 0 || epoch == options.Epochs)
            {
                checkpointPath = run.CheckpointAtEpoch(epoch);
                using var rng = torch.random.get_rng_state();
                using var shuffleState = shuffle.get_state();
                new Checkpoint
                {
                    Epoch = epoch,
                    Seed = options.Seed,
                    BatchSize = options.BatchSize,
                    FixedNoise = fixedNoise,
                    TorchRngState = rng.data<byte>().ToArray(),
                    ShuffleRngState = shuffleState.data<byte>().ToArray(),
                }.Save(checkpointPath, gan);
            }

            var mean = new StepLosses((float)(sum[0] / steps), (float)(sum[1] / steps), (float)(sum[2] / steps), (float)(sum[3] / steps));
            onEpoch?.Invoke(new EpochResult(epoch, options.Epochs, clock.Elapsed.TotalSeconds, mean, imagePath, checkpointPath));
        }

        AnimatedGif.Write(run.GifPath, run.EpochImages());
    }

    /// <summary>A new run (seeded weights, a fixed noise drawn once) or, where the folder holds a checkpoint,
    /// the state of its latest one.</summary>
    private static Checkpoint Start(Gan gan, torch.Generator shuffle, TrainOptions options, RunFolder run, Action<string>? log)
    {
        string? latest = run.LatestCheckpoint();
        if (latest is null)
        {
            return new Checkpoint
            {
                Epoch = 0,
                Seed = options.Seed,
                BatchSize = options.BatchSize,
                FixedNoise = torch.randn(options.ExamplesToGenerate, Generator.NoiseDim),
                TorchRngState = [],
                ShuffleRngState = [],
            };
        }

        var restored = Checkpoint.Load(latest, gan);
        if (restored.BatchSize != options.BatchSize)
        {
            restored.Dispose();
            throw new InvalidDataException(
                $"{run.Path} holds a run with batch size {restored.BatchSize}; resume it with --batch-size {restored.BatchSize}, or train into a new --out folder.");
        }
        if (restored.FixedNoise.shape[0] != options.ExamplesToGenerate)
        {
            restored.Dispose();
            throw new InvalidDataException($"{latest} keeps {restored.FixedNoise.shape[0]} grid examples, not {options.ExamplesToGenerate}.");
        }
        using (var rng = torch.tensor(restored.TorchRngState))
        {
            torch.random.set_rng_state(rng);
        }
        using (var shuffleState = torch.tensor(restored.ShuffleRngState))
        {
            shuffle.set_state(shuffleState);
        }
        log?.Invoke($"Resuming {run.Path} from epoch {restored.Epoch} ({Path.GetFileName(latest)}).");
        return restored;
    }
}
