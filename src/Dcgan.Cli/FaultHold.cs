using System.Globalization;
using Dcgan.Runs;
using Dcgan.Training;

namespace Dcgan.Cli;

/// <summary>
/// A seam for the fault tests, off unless its variables are set: after step S of epoch E
/// (DCGAN_FAULT_HOLD_AFTER="E:S") the run writes the file DCGAN_FAULT_HOLD_FILE and waits for Ctrl+C or SIGTERM, so a
/// signal the test sends on seeing that file lands in the middle of an epoch for certain, not when a sleep guessed.
/// </summary>
internal sealed class FaultHold(int epoch, int step, string file, CancellationToken stop) : IRunObserver
{
    public static IRunObserver[] FromEnvironment(CancellationToken stop) =>
        Environment.GetEnvironmentVariable("DCGAN_FAULT_HOLD_AFTER")?.Split(':') is [var e, var s]
            && Environment.GetEnvironmentVariable("DCGAN_FAULT_HOLD_FILE") is { Length: > 0 } file
            ? [new FaultHold(int.Parse(e, CultureInfo.InvariantCulture), int.Parse(s, CultureInfo.InvariantCulture), file, stop)]
            : [];

    public void StepDone(StepReport report)
    {
        if (report.Epoch == epoch && report.Step == step)
        {
            File.WriteAllText(file, $"{epoch}:{step}");
            stop.WaitHandle.WaitOne(TimeSpan.FromMinutes(2));
        }
    }
}
