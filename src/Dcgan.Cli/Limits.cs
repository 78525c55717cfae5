namespace Dcgan.Cli;

/// <summary>
/// The largest numbers the command line takes for what it draws and times, and why. Each is checked before anything is
/// allocated, so that a mistyped number gets one line saying the limit, not a native crash or hours of work. (The
/// batch size's limit is the library's: <see cref="Dcgan.Training.Recipe.MaxBatch"/>.)
/// </summary>
internal static class Limits
{
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
}
