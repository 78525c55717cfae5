using System.Security.Cryptography;
using System.Text;
using Dcgan.Data;

namespace Dcgan.Tests;

/// <summary>Downloads against a real HTTP server on 127.0.0.1 (no mock of the download code).</summary>
public class DownloadTests
{
    /// <summary>Quick retries, and timeouts no loaded machine reaches by slowness alone: only a server made to stall
    /// (<see cref="Stalling"/>) trips them.</summary>
    private static readonly DownloadLimits Quick = new()
    {
        ConnectTimeout = TimeSpan.FromSeconds(30),
        IdleTimeout = TimeSpan.FromSeconds(30),
        AttemptsPerMirror = 2,
        RetryDelay = TimeSpan.FromMilliseconds(50),
    };

    /// <summary>For a server that stalls for good: the idle timeout is certain to pass, however loaded the machine.</summary>
    private static readonly DownloadLimits Stalling = Quick with { IdleTimeout = TimeSpan.FromMilliseconds(700) };

    private static byte[] GzipImages(int count)
    {
        using var dir = new TempFolder();
        IdxFile.WriteImages(dir.File("x.gz"), Fixtures.Images(count));
        return File.ReadAllBytes(dir.File("x.gz"));
    }

    private static byte[] GzipLabels(byte[] labels)
    {
        using var dir = new TempFolder();
        IdxFile.WriteLabels(dir.File("y.gz"), labels);
        return File.ReadAllBytes(dir.File("y.gz"));
    }

#pragma warning disable CA5351 // the datasets publish MD5s; the fixtures must use the same kind
    private static string Md5(byte[] bytes) => Convert.ToHexStringLower(MD5.HashData(bytes));
#pragma warning restore CA5351

    /// <summary>A dataset like MNIST whose published files are our fixtures.</summary>
    private static Dataset FixtureDataset(byte[] trainImages, byte[] trainLabels, IReadOnlyList<string> mirrors, string? npzSha = null, IReadOnlyList<string>? npzMirrors = null) => new(
        "fixture",
        new("train-images-idx3-ubyte.gz", Md5(trainImages), null),
        new("train-labels-idx1-ubyte.gz", Md5(trainLabels), null),
        new("t10k-images-idx3-ubyte.gz", "00", null),
        new("t10k-labels-idx1-ubyte.gz", "00", null),
        mirrors,
        NpzName: "fixture.npz",
        NpzSha256: npzSha,
        NpzMirrors: npzMirrors);

    private static string[] FilesIn(string folder) =>
        Directory.Exists(folder) ? [.. Directory.GetFiles(folder).Select(Path.GetFileName).Order()!] : [];

    [Fact]
    public void Good_download_is_verified_cached_and_reused_without_network()
    {
        using var server = new LocalHttpServer();
        using var cache = new TempFolder();
        byte[] images = GzipImages(5), labels = GzipLabels([1, 2, 3, 4, 5]);
        server.Serve("mnist/train-images-idx3-ubyte.gz", images);
        server.Serve("mnist/train-labels-idx1-ubyte.gz", labels);
        var dataset = FixtureDataset(images, labels, [server.Url("mnist/")]);
        var request = new DataRequest { CacheFolder = cache.Path, UseSystemFolder = false };
        using var downloader = new Downloader(Quick);
        var reports = new List<DownloadProgress>();

        var first = DataSource.Load(dataset, request, Split.Train, downloader, new ListProgress(reports));

        Assert.Equal(DataKind.Download, first.Origin.Kind);
        Assert.Equal(ChecksumStatus.Verified, first.Origin.Checksum);
        Assert.Equal(5, first.Images.Count);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5 }, first.Images.Labels);
        Assert.Equal(new[] { "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz" }, FilesIn(Path.Combine(cache.Path, "fixture")));
        Assert.Equal(images.Length, reports.Last(r => r.File == "train-images-idx3-ubyte.gz").Bytes);

        server.Dispose(); // no network from here on
        var second = DataSource.Load(dataset, request, Split.Train, downloader);

        Assert.Equal(DataKind.Cache, second.Origin.Kind);
        Assert.Equal(first.Images.CopyPixels(), second.Images.CopyPixels());
    }

    [Fact]
    public async Task Checksum_mismatch_is_rejected_and_leaves_nothing_in_the_cache()
    {
        using var server = new LocalHttpServer();
        using var cache = new TempFolder();
        byte[] good = GzipImages(5), other = GzipImages(6);
        server.Serve("m/train-images-idx3-ubyte.gz", other);
        using var downloader = new Downloader(Quick);

        var e = await Assert.ThrowsAsync<DownloadFailedException>(() => downloader.FetchAsync("train-images-idx3-ubyte.gz",
            [new Uri(server.Url("m/train-images-idx3-ubyte.gz"))], Md5(good), null, cache.Path));

        Assert.Contains($"MD5 {Md5(other)} instead of the published {Md5(good)}", e.Message);
        Assert.Empty(FilesIn(cache.Path));
        Assert.Equal(1, server.Hits["m/train-images-idx3-ubyte.gz"]); // a wrong file is not fetched again
    }

    [Theory]
    [InlineData("404")]
    [InlineData("stall")]
    [InlineData("500")]
    public async Task Failing_first_mirror_falls_through_to_the_next(string failure)
    {
        using var server = new LocalHttpServer();
        using var cache = new TempFolder();
        byte[] images = GzipImages(5);
        switch (failure)
        {
            case "404": server.Status("a/f.gz", 404); break;
            case "500": server.Status("a/f.gz", 500); break;
            default: server.Stalled("a/f.gz", images, 10); break;
        }
        server.Serve("b/f.gz", images);
        using var downloader = new Downloader(failure == "stall" ? Stalling : Quick);

        string path = await downloader.FetchAsync("f.gz", [new Uri(server.Url("a/f.gz")), new Uri(server.Url("b/f.gz"))], Md5(images), null, cache.Path);

        Assert.Equal(images, File.ReadAllBytes(path));
        Assert.Equal(new[] { "f.gz" }, FilesIn(cache.Path));
        // A 404 is final for that mirror; a 500 may pass, so it is tried once more. (A stall is retried too, but how
        // many requests reach the server within the idle timeout depends on the machine's load: not asserted.)
        if (failure != "stall")
        {
            Assert.Equal(failure == "404" ? 1 : 2, server.Hits["a/f.gz"]);
        }
    }

    [Fact]
    public async Task Truncated_transfer_is_rejected_with_a_clear_message()
    {
        using var server = new LocalHttpServer();
        using var cache = new TempFolder();
        byte[] images = GzipImages(50);
        server.Truncated("f.gz", images, images.Length / 2);
        using var downloader = new Downloader(Quick);

        var e = await Assert.ThrowsAsync<DownloadFailedException>(() => downloader.FetchAsync("f.gz", [new Uri(server.Url("f.gz"))], Md5(images), null, cache.Path));

        Assert.StartsWith($"could not download f.gz: {server.Url("f.gz")}: the transfer was cut short", e.Message);
        Assert.Empty(FilesIn(cache.Path));
    }

    [Fact]
    public async Task Html_error_page_is_rejected_with_a_clear_message()
    {
        using var server = new LocalHttpServer();
        using var cache = new TempFolder();
        server.Serve("f.gz", Encoding.UTF8.GetBytes("<!DOCTYPE html><html><body>Access denied</body></html>"));
        using var downloader = new Downloader(Quick);

        var e = await Assert.ThrowsAsync<DownloadFailedException>(() => downloader.FetchAsync("f.gz", [new Uri(server.Url("f.gz"))], Md5(GzipImages(2)), null, cache.Path));

        Assert.Equal($"could not download f.gz: {server.Url("f.gz")}: the server sent a web page instead of the file", e.Message);
        Assert.Empty(FilesIn(cache.Path));
    }

    [Fact]
    public void Interrupted_download_leaves_no_file_a_later_run_would_trust()
    {
        using var server = new LocalHttpServer();
        using var cache = new TempFolder();
        byte[] images = GzipImages(50), labels = GzipLabels([1]);
        server.Stalled("m/train-images-idx3-ubyte.gz", images, 100);
        var dataset = FixtureDataset(images, labels, [server.Url("m/")]);
        var request = new DataRequest { CacheFolder = cache.Path, UseSystemFolder = false };
        using var downloader = new Downloader(Quick with { IdleTimeout = TimeSpan.FromMinutes(1) });
        using var interrupt = new CancellationTokenSource();
        var started = new ListProgress([], () => interrupt.Cancel()); // Ctrl+C as soon as bytes flow

        Assert.ThrowsAny<OperationCanceledException>(() => DataSource.Load(dataset, request, Split.Train, downloader, started, cancel: interrupt.Token));
        Assert.Empty(FilesIn(Path.Combine(cache.Path, "fixture")));

        // Even a partial file left by a kill -9 (named as the downloader names them) is never used.
        File.WriteAllBytes(Path.Combine(cache.Path, "fixture", ".train-images-idx3-ubyte.gz.999.partial"), images[..100]);
        var offline = request with { Offline = true };
        Assert.Throws<DownloadFailedException>(() => DataSource.Load(dataset, offline, Split.Train, downloader));
    }

    [Fact]
    public void Npz_mirror_is_used_when_no_idx_mirror_has_the_file()
    {
        using var server = new LocalHttpServer();
        using var cache = new TempFolder();
        using var work = new TempFolder();
        var set = Fixtures.Images(4);
        NpzFile.Write(work.File("k.npz"), new Dictionary<string, ByteArray>
        {
            ["x_train"] = new([4, 28, 28], set.CopyPixels()),
            ["y_train"] = new([4], [9, 8, 7, 6]),
        });
        byte[] npz = File.ReadAllBytes(work.File("k.npz"));
        server.Serve("keras/fixture.npz", npz);
        var dataset = FixtureDataset(GzipImages(1), GzipLabels([1]), [server.Url("missing/")],
            Convert.ToHexStringLower(SHA256.HashData(npz)), [server.Url("keras/fixture.npz")]);
        using var downloader = new Downloader(Quick);

        var loaded = DataSource.Load(dataset, new DataRequest { CacheFolder = cache.Path, UseSystemFolder = false }, Split.Train, downloader);

        Assert.Equal(set.CopyPixels(), loaded.Images.CopyPixels());
        Assert.Equal(new byte[] { 9, 8, 7, 6 }, loaded.Images.Labels);
        Assert.Equal(ChecksumStatus.Verified, loaded.Origin.Checksum);
    }

    [Fact]
    public void Offline_message_says_which_file_to_put_where()
    {
        using var cache = new TempFolder();
        var request = new DataRequest { CacheFolder = cache.Path, Mirrors = ["http://127.0.0.1:9/nothing/"], UseSystemFolder = false, KerasFolder = cache.File("keras") };
        using var downloader = new Downloader(Quick with { AttemptsPerMirror = 1 });

        var e = Assert.Throws<DownloadFailedException>(() => DataSource.Load(request, Split.Train, downloader));

        string cacheFolder = Path.Combine(cache.Path, "mnist");
        Assert.Contains("could not download train-images-idx3-ubyte.gz: http://127.0.0.1:9/nothing/train-images-idx3-ubyte.gz: ", e.Message);
        Assert.Contains($"put train-images-idx3-ubyte.gz (MD5 f68b3c2dcbeaaa9fbdd348bbdeb94873) and train-labels-idx1-ubyte.gz in {cacheFolder}/", e.Message);
        Assert.Contains("or name it: the image file train-images-idx3-ubyte.gz, a folder of the IDX files, or mnist.npz", e.Message);
        Assert.True(e.Message.Split('\n').Length <= 10, "fits on one screen");
    }

    private sealed class ListProgress(List<DownloadProgress> reports, Action? onFirst = null) : IProgress<DownloadProgress>
    {
        public void Report(DownloadProgress value)
        {
            reports.Add(value);
            if (reports.Count == 1)
            {
                onFirst?.Invoke();
            }
        }
    }
}
