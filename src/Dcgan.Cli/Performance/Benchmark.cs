using System.Diagnostics;
using Dcgan.Data;
using Dcgan.Models;
using Dcgan.Training;
using TorchSharp;

namespace Dcgan.Cli.Performance;

/// <summary>Timings of the real train step (<see cref="Gan.TrainStep"/> on batches from <see cref="Batches"/>,
/// exactly what <see cref="Runs.Trainer"/> runs) on synthetic data, after a warm-up.</summary>
internal sealed record BenchmarkResult(
    string Recipe,
    ImageShape Shape,
    int BatchSize,
    Precision Precision,
    int Steps,
    int Threads,
    double MedianSeconds,
    double P10Seconds,
    double P90Seconds,
    double MeanSeconds,
    double ImagesPerSecond,
    double ProjectedEpochSeconds,
    long PeakResidentBytes,
    double? PageFaultsPerStep);

internal static class Benchmark
{
    public const int MnistTrainImages = 60_000;

    /// <summary>Batches of synthetic images held at once.</summary>
    private const int PoolBatches = 8;

    /// <summary>Times the recipe's step (its models at its shape, batch size, precision, dropout, moving average, penalty),
    /// on synthetic batches held in memory, or on batches read from <paramref name="streamed"/> a batch at a time, as
    /// training reads them.</summary>
    public static BenchmarkResult Run(Recipe recipe, int steps = 20, int warmup = 3, long seed = 0, ImageSet? streamed = null)
    {
        int batchSize = recipe.BatchSize;
        if (Diagnostics.MachineInfo.BatchProblem(batchSize) is { } tooLarge)
        {
            throw new ArgumentException($"the batch size {tooLarge}");
        }
        // Everything random here (weights, images, noise, dropout) from a generator of the seed's: torch's is untouched.
        using var random = new torch.Generator((ulong)seed);
        using var gan = new Gan(recipe, random);
        // A few batches' worth of synthetic images, shuffled anew each pass, whatever the number of steps.
        var shape = recipe.Shape;
        using var images = UniformImages(batchSize * Math.Min(steps + warmup, PoolBatches), shape, random);
        using var labels = recipe.CodeFromLabels ? torch.randint(0, recipe.CodeCategories, images.shape[0], generator: random) : null;
        using var shuffle = new torch.Generator((ulong)seed);
        var times = new List<double>();
        long? faultsAfterWarmup = null;
        int step = 0;
        var clock = Stopwatch.StartNew();
        var batches = streamed is null
            ? Enumerable.Repeat(0, (steps + warmup + PoolBatches - 1) / PoolBatches).SelectMany(_ => Batches.Shuffled(images, labels, batchSize, shuffle))
            : Enumerable.Repeat(0, steps + warmup).SelectMany(_ => Batches.Shuffled(streamed, batchSize, shuffle, withLabels: recipe.CodeFromLabels));
        foreach (var batch in batches.Take(steps + warmup))
        {
            if (step == warmup)
            {
                faultsAfterWarmup = MinorFaults();
            }
            using (batch)
            {
                gan.TrainStep(batch.Images, batch.Labels, random);
            }
            // The time of a step includes drawing its batch, as in training.
            if (step++ >= warmup)
            {
                times.Add(clock.Elapsed.TotalSeconds);
            }
            clock.Restart();
        }
        times.Sort();
        double median = Percentile(times, 0.5);
        // Projected from the rate: 60,000 / 256 steps, the short last batch counted by its size. The mean counts the
        // steps that add a penalty only every few steps, which the median leaves out.
        return new BenchmarkResult(recipe.Name, shape, batchSize, recipe.Precision, times.Count, torch.get_num_threads(), median,
            Percentile(times, 0.1), Percentile(times, 0.9), times.Average(), batchSize / median,
            median * MnistTrainImages / batchSize, PeakResident(),
            // Pages the kernel gave afresh while the timed steps ran: near 0 when freed tensor memory is reused (HeapReuse).
            (MinorFaults() - faultsAfterWarmup) / (double)times.Count);
    }

    private static double Percentile(List<double> sorted, double p)
    {
        double index = p * (sorted.Count - 1);
        int low = (int)Math.Floor(index), high = (int)Math.Ceiling(index);
        return sorted[low] + (sorted[high] - sorted[low]) * (index - low);
    }

    /// <summary>This process's highest resident memory so far (VmHWM on Linux), libtorch's native allocations included.</summary>
    private static long PeakResident()
    {
        using var process = Process.GetCurrentProcess();
        return process.PeakWorkingSet64;
    }

    /// <summary>The minor page faults this process has taken so far (field 10 of /proc/self/stat, after the command's
    /// name): each is a page of memory the kernel gave afresh and the process touched. Null where there is no /proc.</summary>
    private static long? MinorFaults()
    {
        if (!File.Exists("/proc/self/stat"))
        {
            return null;
        }
        string stat = File.ReadAllText("/proc/self/stat");
        return long.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[7], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Synthetic images, uniform in [-1, 1] as real ones are scaled: rand * 2 - 1, its numbers held as
    /// Scalars through each call (Dcgan.Core's Models/HeldScalars.cs says why).</summary>
    internal static torch.Tensor UniformImages(long count, ImageShape shape, torch.Generator random)
    {
        using var two = 2L.ToScalar();
        using var one = 1L.ToScalar();
        using var uniform = torch.rand(count, shape.Channels, shape.Size, shape.Size, generator: random);
        return uniform.mul(two).sub(one);
    }
}
