using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;

namespace Dcgan.Data;

/// <summary>How a transfer is going: bytes so far, the total if the server said, and the mean speed.</summary>
public readonly record struct DownloadProgress(string File, long Bytes, long? Total, double BytesPerSecond);

/// <summary>How long to wait and how often to try.</summary>
internal sealed record DownloadLimits
{
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(15);
    /// <summary>The longest pause between two pieces of data before a transfer counts as stalled.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Tries per mirror for failures that may pass (timeouts, 5xx, dropped connections); a 404 or a wrong
    /// file moves on to the next mirror at once.</summary>
    public int AttemptsPerMirror { get; init; } = 2;
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>A file that no mirror could deliver; the message lists each mirror's failure.</summary>
public sealed class DownloadFailedException(string message) : IOException(message);

/// <summary>
/// Downloads a file from a list of mirrors in turn into a folder, never leaving a file there that was not verified:
/// each transfer goes to a temporary file, its checksum is computed while it streams, and only a complete file
/// with the expected checksum is renamed into place; anything else is deleted and the next mirror is tried.
/// </summary>
internal sealed class Downloader : IDisposable
{
    private readonly HttpClient http;
    private readonly DownloadLimits limits;

    public Downloader(DownloadLimits? limits = null)
    {
        this.limits = limits ?? new DownloadLimits();
        http = new HttpClient(new SocketsHttpHandler
        {
            ConnectTimeout = this.limits.ConnectTimeout,
            AutomaticDecompression = DecompressionMethods.None, // the checksum is of the bytes as published
        })
        {
            Timeout = Timeout.InfiniteTimeSpan, // large files: stalls are caught by the idle timeout instead
        };
        http.DefaultRequestHeaders.UserAgent.ParseAdd("dcgan-dotnet/1.0");
    }

    /// <summary>Fetches <paramref name="fileName"/> into <paramref name="folder"/>, trying each URL in turn, and returns
    /// its path. <paramref name="md5"/> or <paramref name="sha256"/> (hex) is the checksum it must have.</summary>
    public async Task<string> FetchAsync(string fileName, IReadOnlyList<Uri> urls, string? md5, string? sha256, string folder,
        IProgress<DownloadProgress>? progress = null, CancellationToken cancel = default)
    {
        if (md5 is null && sha256 is null)
        {
            throw new ArgumentException("A download needs a checksum to be verified against.");
        }
        Directory.CreateDirectory(folder);
        string target = Path.Combine(folder, fileName);
        var failures = new List<string>();
        foreach (var url in urls)
        {
            for (int attempt = 1; attempt <= limits.AttemptsPerMirror; attempt++)
            {
                string temp = Path.Combine(folder, $".{fileName}.{Environment.ProcessId}.partial");
                try
                {
                    await TransferAsync(url, fileName, temp, md5, sha256, progress, cancel).ConfigureAwait(false);
                    File.Move(temp, target, overwrite: true);
                    return target;
                }
                catch (Exception e) when (e is HttpRequestException or IOException or TimeoutException or WrongFileException
                                          && !cancel.IsCancellationRequested)
                {
                    bool mayPass = e is not WrongFileException
                                   && !(e is HttpRequestException { StatusCode: { } code } && (int)code < 500);
                    if (!mayPass || attempt == limits.AttemptsPerMirror)
                    {
                        failures.Add($"{url}: {e.Message}");
                        break;
                    }
                    await Task.Delay(limits.RetryDelay, cancel).ConfigureAwait(false);
                }
                finally
                {
                    File.Delete(temp);
                }
            }
        }
        throw new DownloadFailedException($"could not download {fileName}: {string.Join("; ", failures)}");
    }

    private async Task TransferAsync(Uri url, string fileName, string temp, string? md5, string? sha256,
        IProgress<DownloadProgress>? progress, CancellationToken cancel)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        idle.CancelAfter(limits.IdleTimeout);
        try
        {
            using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, idle.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new HttpRequestException($"{(int)response.StatusCode} {response.ReasonPhrase}", null, response.StatusCode);
            }
            long? total = response.Content.Headers.ContentLength;
            using var hash = IncrementalHash.CreateHash(md5 is not null ? HashAlgorithmName.MD5 : HashAlgorithmName.SHA256);
            await using var body = await response.Content.ReadAsStreamAsync(idle.Token).ConfigureAwait(false);
            await using var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None);
            var buffer = new byte[81920];
            var clock = Stopwatch.StartNew();
            long bytes = 0;
            byte[]? head = null;
            int read;
            while ((read = await ReadOrExplainAsync(body, buffer, bytes, idle.Token).ConfigureAwait(false)) > 0)
            {
                idle.CancelAfter(limits.IdleTimeout); // data arrived: the stall clock starts again
                head ??= buffer[..Math.Min(read, 64)];
                hash.AppendData(buffer, 0, read);
                await file.WriteAsync(buffer.AsMemory(0, read), idle.Token).ConfigureAwait(false);
                bytes += read;
                progress?.Report(new DownloadProgress(fileName, bytes, total, bytes / Math.Max(clock.Elapsed.TotalSeconds, 1e-3)));
            }
            await file.FlushAsync(idle.Token).ConfigureAwait(false);
            file.Flush(flushToDisk: true);

            if (total is { } expectedLength && bytes != expectedLength)
            {
                throw new WrongFileException($"the transfer was cut short ({bytes} of {expectedLength} bytes)");
            }
            if (head is not null && LooksLikeHtml(head))
            {
                throw new WrongFileException("the server sent a web page instead of the file");
            }
            string actual = Convert.ToHexStringLower(hash.GetHashAndReset());
            string expected = (md5 ?? sha256)!;
            if (actual != expected)
            {
                throw new WrongFileException(
                    $"{(md5 is not null ? "MD5" : "SHA-256")} {actual} instead of the published {expected} ({bytes} bytes received)");
            }
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            throw new TimeoutException($"no data for {limits.IdleTimeout.TotalSeconds:0.#} s");
        }
    }

    private static async Task<int> ReadOrExplainAsync(Stream body, byte[] buffer, long bytesSoFar, CancellationToken cancel)
    {
        try
        {
            return await body.ReadAsync(buffer, cancel).ConfigureAwait(false);
        }
        catch (HttpIOException e)
        {
            throw new IOException($"the transfer was cut short after {bytesSoFar} bytes ({e.Message.TrimEnd('.')})", e);
        }
    }

    private static bool LooksLikeHtml(byte[] head)
    {
        string start = System.Text.Encoding.ASCII.GetString(head).TrimStart().ToLowerInvariant();
        return start.StartsWith("<!doctype html", StringComparison.Ordinal) || start.StartsWith("<html", StringComparison.Ordinal)
               || start.StartsWith("<?xml", StringComparison.Ordinal);
    }

    public void Dispose() => http.Dispose();

    /// <summary>The mirror answered, but not with the file: try the next mirror, not the same one again.</summary>
    private sealed class WrongFileException(string message) : Exception(message);
}
