using System.Globalization;

namespace Dcgan.Diagnostics;

/// <summary>
/// The largest sizes the tool takes, and why. Each is checked before anything is allocated, so that a mistyped
/// number gets one line saying the limit, not a native crash or hours of work.
/// </summary>
internal static class Sizes
{
    /// <summary>Images in a train step: far beyond what a step of these models needs (the tutorial takes 256).</summary>
    public const int MaxBatch = 65_536;

    /// <summary>Images drawn at once (to generate, or to evaluate): 100,000 are 310 MB as floats.</summary>
    public const int MaxSamples = 100_000;

    /// <summary>Digits in one PNG grid: 100 x 100 digits make a picture about 11,600 pixels square.</summary>
    public const int MaxGridDigits = 10_000;

    /// <summary>Digits per row of a grid.</summary>
    public const int MaxColumns = 1_000;

    /// <summary>Frames between two points of a latent walk.</summary>
    public const int MaxWalkSteps = 1_000;

    /// <summary>Digits times frames of a walk's GIF, which is held in memory while it is encoded: each digit of a
    /// frame is about 13 KB, so 40,000 of them are about half a gigabyte.</summary>
    public const long MaxWalkDigitFrames = 40_000;

    /// <summary>Steps a benchmark times.</summary>
    public const int MaxBenchmarkSteps = 100_000;

    /// <summary>What a train step of <paramref name="batch"/> images needs, roughly: dcgan benchmark measured 1.2 MB per
    /// image and 0.4 GB besides (fp32, batches of 64 to 2,048); this counts 2 MB and 0.5 GB, for bf16 and the
    /// allocator's slack.</summary>
    public static long TrainStepBytes(int batch) => (512L << 20) + batch * (2L << 20);

    /// <summary>The memory this machine has free for a new allocation (Linux's MemAvailable; elsewhere what .NET
    /// knows of the machine's total).</summary>
    public static long AvailableBytes()
    {
        const string meminfo = "/proc/meminfo";
        if (File.Exists(meminfo) && File.ReadLines(meminfo).FirstOrDefault(l => l.StartsWith("MemAvailable:", StringComparison.Ordinal)) is { } line
            && long.TryParse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture, out long kibibytes))
        {
            return kibibytes * 1024;
        }
        return GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
    }

    /// <summary>Bytes in words: "820 KB", "2.4 GB" (powers of 1,000, as disks are sold).</summary>
    public static string Describe(long bytes) => bytes switch
    {
        < 1_000_000 => FormattableString.Invariant($"{bytes / 1e3:F0} KB"),
        < 1_000_000_000 => FormattableString.Invariant($"{bytes / 1e6:F0} MB"),
        _ => FormattableString.Invariant($"{bytes / 1e9:F1} GB"),
    };

    /// <summary>Why a train step of <paramref name="batch"/> images cannot be taken here, in words that follow
    /// "the batch size", or null.</summary>
    public static string? BatchProblem(int batch)
    {
        if (batch > MaxBatch)
        {
            return $"must be at most {MaxBatch} (got {batch}).";
        }
        long needed = TrainStepBytes(batch), available = AvailableBytes();
        if (needed <= available)
        {
            return null;
        }
        long fits = Math.Max(1, (available - (512L << 20)) / (2L << 20));
        return string.Create(CultureInfo.InvariantCulture,
            $"of {batch} needs about {needed / 1e9:F1} GB for a step, and this machine has {available / 1e9:F1} GB free: at most about {fits} here.");
    }
}
