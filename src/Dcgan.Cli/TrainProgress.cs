using System.Diagnostics;
using System.Globalization;
using Dcgan.Runs;
using Dcgan.Training;
using Spectre.Console;

namespace Dcgan.Cli;

/// <summary>
/// What a user watches during dcgan train. In a terminal: a Spectre.Console progress bar per epoch with steps per
/// second, the epoch's and the run's remaining time, and the latest losses and D(x), D(G(z)); each finished epoch
/// stays as a line. Elsewhere (CI, a log file): one plain line per epoch, no control codes.
/// </summary>
internal static class TrainProgress
{
    public static bool Interactive => AnsiConsole.Profile.Capabilities.Interactive && !Console.IsOutputRedirected;

    /// <summary>Runs <paramref name="train"/> with the observer that shows its progress.</summary>
    public static void Run(int epochs, Action<IRunObserver> train)
    {
        if (!Interactive)
        {
            train(new PlainLines());
            return;
        }
        AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context => train(new Bars(context, epochs)));
    }

    /// <summary>An epoch's line; <paramref name="saved"/>: its checkpoint is on disk.</summary>
    public static string EpochLine(EpochResult r, bool saved) =>
        string.Create(CultureInfo.InvariantCulture,
            $"Time for epoch {r.Epoch} is {r.Seconds:F1} sec  (gen loss {r.Mean.Generator:F3}, disc loss {r.Mean.Discriminator:F3}, D(x) {r.Mean.RealScore:F2}, D(G(z)) {r.Mean.FakeScore:F2}{(r.Mean.AugmentP is { } p ? $", augment p {p:F2}" : "")}){(saved ? "  checkpoint saved" : "")}");

    /// <summary>The tutorial's "Time for epoch N is S sec" lines. An epoch with a checkpoint due is printed once the
    /// checkpoint is on disk, so that "checkpoint saved" is never said of one that could not be written.</summary>
    private sealed class PlainLines : IRunObserver
    {
        public void Message(string line) => Console.WriteLine(line);

        public void EpochDone(EpochResult result)
        {
            if (result.Evaluation is { } evaluation)
            {
                Console.WriteLine(evaluation.Summary);
            }
            if (result.CheckpointPath is null)
            {
                Console.WriteLine(EpochLine(result, saved: false));
            }
        }

        public void CheckpointSaved(EpochResult result) => Console.WriteLine(EpochLine(result, saved: true));
    }

    private sealed class Bars(ProgressContext context, int epochs) : IRunObserver
    {
        private readonly Stopwatch runClock = Stopwatch.StartNew();
        private ProgressTask? task;
        private int stepsDone;

        public void Message(string line) => AnsiConsole.WriteLine(line);

        public void StepDone(StepReport report)
        {
            var s = report;
            if (task is null || s.Step == 1 || task.MaxValue != s.StepsPerEpoch)
            {
                task?.StopTask();
                task = context.AddTask($"epoch {s.Epoch}/{epochs}", maxValue: s.StepsPerEpoch);
            }
            task.Value = s.Step;
            stepsDone++;
            double rate = stepsDone / runClock.Elapsed.TotalSeconds;
            double runLeft = ((epochs - s.Epoch) * s.StepsPerEpoch + (s.StepsPerEpoch - s.Step)) / rate;
            task.Description = string.Create(CultureInfo.InvariantCulture,
                $"epoch {s.Epoch}/{epochs}  {rate:F2} steps/s  run left {TimeSpan.FromSeconds(runLeft):hh\\:mm\\:ss}  G {s.Losses.Generator:F3}  D {s.Losses.Discriminator:F3}  D(x) {s.Losses.RealScore:F2}  D(G(z)) {s.Losses.FakeScore:F2}{(s.Losses.AugmentP is { } p ? $"  p {p:F2}" : "")}");
        }

        public void EpochDone(EpochResult result)
        {
            if (result.Evaluation is { } evaluation)
            {
                AnsiConsole.WriteLine(evaluation.Summary);
            }
            if (task is not null)
            {
                task.Description = Markup.Escape(EpochLine(result, saved: false));
                task.StopTask();
            }
        }

        public void CheckpointSaved(EpochResult result)
        {
            if (task is not null)
            {
                task.Description = Markup.Escape(EpochLine(result, saved: true));
            }
        }
    }
}
