using System.Diagnostics;
using System.Globalization;
using Dcgan.Data;
using Spectre.Console;

namespace Dcgan.Cli;

/// <summary>Loads data for a command, showing a progress bar with bytes and speed while anything downloads, and with
/// images a second and the time left while a folder is prepared (plain lines when the output is not a terminal). What
/// it says about the data (notes, downloads) goes to <c>say</c>: stdout, unless the command's stdout is its result
/// (evaluate --json). Ctrl+C stops a download or a preparation cleanly: nothing half-written is kept.</summary>
internal static class Downloads
{
    /// <summary><see cref="Load"/>, for the library's calls that read data.</summary>
    public static readonly Func<DataRequest, Split, LoadedData> Loader = (request, split) => Load(request, split);

    public static LoadedData Load(DataRequest request, Split split, Action<string>? say = null)
    {
        say ??= Console.WriteLine;
        using var stop = new StopSignals();
        if (!AnsiConsole.Profile.Capabilities.Interactive || Console.IsOutputRedirected)
        {
            return DataSource.Load(request, split, progress: null, log: say, preparing: new PlainPreparing(say), cancel: stop.Token);
        }
        LoadedData? loaded = null;
        var said = new List<string>(); // said after the bars, which own the terminal while they run
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var tasks = new Dictionary<string, ProgressTask>();
                // Progress<T> would post to the thread pool; these reporters update the bars in place, in order.
                var progress = new Reporter<DownloadProgress>(p =>
                {
                    if (!tasks.TryGetValue(p.File, out var task))
                    {
                        tasks[p.File] = task = context.AddTask(p.File, maxValue: p.Total ?? 1);
                    }
                    if (p.Total is { } total)
                    {
                        task.MaxValue = total;
                    }
                    task.Value = p.Bytes;
                });
                ProgressTask? decoding = null;
                var preparing = new Reporter<(int Done, int Total)>(p =>
                {
                    decoding ??= context.AddTask("decoding", maxValue: p.Total);
                    decoding.Value = p.Done;
                    double rate = decoding.Speed ?? 0;
                    decoding.Description = string.Create(CultureInfo.InvariantCulture, $"decoding {p.Done:N0}/{p.Total:N0} images, {rate:N0}/s");
                });
                loaded = DataSource.Load(request, split, progress, log: said.Add, preparing: preparing, cancel: stop.Token);
            });
        said.ForEach(say);
        return loaded!;
    }

    private sealed class Reporter<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }

    /// <summary>The decoding in lines, for logs: one every ten seconds or so, with images a second and the time left.</summary>
    private sealed class PlainPreparing(Action<string> say) : IProgress<(int Done, int Total)>
    {
        private readonly Stopwatch clock = Stopwatch.StartNew();
        private TimeSpan lastSaid;

        public void Report((int Done, int Total) value)
        {
            if (clock.Elapsed - lastSaid < TimeSpan.FromSeconds(10) && value.Done < value.Total)
            {
                return;
            }
            lastSaid = clock.Elapsed;
            double rate = value.Done / Math.Max(clock.Elapsed.TotalSeconds, 1e-3);
            double left = (value.Total - value.Done) / Math.Max(rate, 1e-3);
            say(string.Create(CultureInfo.InvariantCulture,
                $"Decoded {value.Done:N0} of {value.Total:N0} images ({rate:N0} images/s{(value.Done < value.Total ? $", about {TimeSpan.FromSeconds(Math.Ceiling(left)):g} left" : $", in {clock.Elapsed.TotalSeconds:F0} s")})"));
        }
    }
}
