using System.Diagnostics;
using System.Globalization;
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

    public static void Run(int epochs, Func<TrainingEvents, TrainingEvents> withOthers, Action<TrainingEvents> train)
    {
        if (!Interactive)
        {
            train(withOthers(new TrainingEvents { Log = Console.WriteLine, Epoch = r => Console.WriteLine(EpochLine(r)) }));
            return;
        }
        AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                ProgressTask? task = null;
                var runClock = Stopwatch.StartNew();
                int stepsDone = 0;
                var events = new TrainingEvents
                {
                    Log = line => AnsiConsole.WriteLine(line),
                    Step = s =>
                    {
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
                            $"epoch {s.Epoch}/{epochs}  {rate:F2} steps/s  run left {TimeSpan.FromSeconds(runLeft):hh\\:mm\\:ss}  G {s.Losses.Generator:F3}  D {s.Losses.Discriminator:F3}  D(x) {s.Losses.RealScore:F2}  D(G(z)) {s.Losses.FakeScore:F2}");
                    },
                    Epoch = r =>
                    {
                        if (task is not null)
                        {
                            task.Description = Markup.Escape(EpochLine(r));
                            task.StopTask();
                        }
                    },
                };
                train(withOthers(events));
            });
    }

    public static string EpochLine(EpochResult r) =>
        string.Create(CultureInfo.InvariantCulture,
            $"Time for epoch {r.Epoch} is {r.Seconds:F1} sec  (gen loss {r.Mean.Generator:F3}, disc loss {r.Mean.Discriminator:F3}, D(x) {r.Mean.RealScore:F2}, D(G(z)) {r.Mean.FakeScore:F2}){(r.CheckpointPath is null ? "" : "  checkpoint saved")}");
}
