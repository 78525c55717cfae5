using Dcgan.Data;
using Spectre.Console;

namespace Dcgan.Cli;

/// <summary>Loads data for a command, showing a progress bar with bytes and speed while anything downloads (plain
/// lines when the output is not a terminal). What it says about the data (notes, downloads) goes to <c>say</c>:
/// stdout, unless the command's stdout is its result (evaluate --json).</summary>
internal static class Downloads
{
    /// <summary><see cref="Load"/>, for the library's calls that read data.</summary>
    public static readonly DataLoader Loader = (request, split) => Load(request, split);

    public static LoadedData Load(DataRequest request, Split split, Action<string>? say = null, CancellationToken cancel = default)
    {
        say ??= Console.WriteLine;
        if (!AnsiConsole.Profile.Capabilities.Interactive || Console.IsOutputRedirected)
        {
            return DataSource.Load(request, split, downloader: null, log: say, cancel: cancel);
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
                // Progress<T> would post to the thread pool; this reporter updates the bar in place, in order.
                var progress = new Reporter(p =>
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
                loaded = DataSource.Load(request, split, downloader: null, progress: progress, log: said.Add, cancel: cancel);
            });
        said.ForEach(say);
        return loaded!;
    }

    private sealed class Reporter(Action<DownloadProgress> report) : IProgress<DownloadProgress>
    {
        public void Report(DownloadProgress value) => report(value);
    }
}
