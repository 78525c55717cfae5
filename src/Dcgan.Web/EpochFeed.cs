namespace Dcgan.Web;

/// <summary>
/// Tells the live pages of a run when something new is there (a grid, a checkpoint, an evaluation): one poller per
/// run, however many pages listen, so that open tabs cost the training nothing but this one look at its folder
/// every half second. A page that goes away stops waiting; nothing is kept for it.
/// </summary>
internal sealed class EpochFeed : IDisposable
{
    private static readonly TimeSpan Every = TimeSpan.FromMilliseconds(500);

    private readonly ServedRun run;
    private readonly CancellationTokenSource stop = new();
    private TaskCompletionSource<long> next = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string seen = "";

    public EpochFeed(ServedRun run)
    {
        this.run = run;
        seen = Mark();
        _ = Task.Run(PollAsync);
    }

    /// <summary>How many changes have been seen.</summary>
    public long Version { get; private set; }

    /// <summary>Completes with the new version when something changes after <paramref name="version"/>, or with the
    /// same version when <paramref name="timeout"/> passes first.</summary>
    public async Task<long> NextAsync(long version, TimeSpan timeout, CancellationToken cancel)
    {
        if (Version > version)
        {
            return Version;
        }
        var waiting = next.Task;
        var done = await Task.WhenAny(waiting, Task.Delay(timeout, cancel)).ConfigureAwait(false);
        cancel.ThrowIfCancellationRequested();
        return done == waiting ? await waiting.ConfigureAwait(false) : version;
    }

    private async Task PollAsync()
    {
        using var timer = new PeriodicTimer(Every);
        try
        {
            await Poll(timer).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // the server is stopping
        }
    }

    private async Task Poll(PeriodicTimer timer)
    {
        while (await timer.WaitForNextTickAsync(stop.Token).ConfigureAwait(false))
        {
            string mark = Mark();
            if (mark != seen)
            {
                seen = mark;
                var signalled = next;
                next = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
                signalled.SetResult(++Version);
            }
        }
    }

    /// <summary>What the page shows changes with: the newest grid, checkpoint and evaluation, and the GIF.</summary>
    private string Mark()
    {
        try
        {
            // Names and sizes only: what is served is checked when it is asked for, not twice a second here.
            var folder = run.Folder;
            string grid = folder.EpochImages() is { Count: > 0 } grids ? grids[^1] : "";
            string checkpoint = folder.LatestCheckpoint() ?? "";
            long metrics = File.Exists(folder.MetricsPath) ? new FileInfo(folder.MetricsPath).Length : 0;
            long gif = File.Exists(folder.GifPath) ? File.GetLastWriteTimeUtc(folder.GifPath).Ticks : 0;
            return $"{grid}|{checkpoint}|{metrics}|{gif}";
        }
        catch (IOException)
        {
            return seen; // a file being replaced this instant: look again next time
        }
    }

    public void Dispose()
    {
        stop.Cancel();
        stop.Dispose();
    }
}
