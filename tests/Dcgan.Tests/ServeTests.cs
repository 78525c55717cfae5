using System.Net;
using System.Text.Json.Nodes;
using Dcgan.Runs;
using Dcgan.Web;

namespace Dcgan.Tests;

/// <summary>dcgan serve over HTTP: what it shows of a run, what it refuses, and that it draws what generate draws.</summary>
public class ServeTests(ServeTests.LabelledRun trained) : IClassFixture<ServeTests.LabelledRun>
{
    /// <summary>A run of the conditional recipe, two epochs of a tiny labelled set, trained once for these tests.</summary>
    public sealed class LabelledRun : IDisposable
    {
        private readonly TempFolder dir = new();

        public LabelledRun()
        {
            string images = dir.File("images-idx3-ubyte.gz"), labels = dir.File("labels-idx1-ubyte.gz");
            Data.IdxFile.WriteImages(images, Fixtures.Images(48));
            Data.IdxFile.WriteLabels(labels, [.. Enumerable.Range(0, 48).Select(i => (byte)(i % 10))]);
            var result = DcganProcess.Run([], "train", "--recipe", "conditional", "--images", images, "--labels", labels, "--epochs", "2",
                "--batch-size", "16", "--checkpoint-every", "1", "--out", dir.File("run"), "--skip-self-check", "--seed", "2");
            Assert.True(result.ExitCode == 0, result.Err);
            System.IO.File.WriteAllText(dir.File("outside.txt"), "not the run's");
        }

        public RunFolder Run => new(dir.File("run"));

        public string File(string name) => dir.File(name);

        public void Dispose() => dir.Dispose();
    }

    /// <summary>One request to a server of <paramref name="runs"/>: its status and body.</summary>
    private static async Task<(HttpStatusCode Status, string Body)> Get(IReadOnlyList<RunFolder> runs, string url)
    {
        await using var server = await RunServer.StartAsync(runs, port: 0);
        using var http = new HttpClient { BaseAddress = server.Address };
        using var response = await http.GetAsync(url);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static Dictionary<string, DateTime> Snapshot(RunFolder run) =>
        Directory.EnumerateFileSystemEntries(run.Path, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.GetLastWriteTimeUtc);

    [Fact]
    public async Task It_shows_the_run_and_draws_what_generate_draws_to_the_byte_and_writes_nothing()
    {
        var before = Snapshot(trained.Run);
        await using var server = await RunServer.StartAsync([trained.Run], port: 0);
        using var http = new HttpClient { BaseAddress = server.Address };

        var status = JsonNode.Parse(await http.GetStringAsync("api/runs/0"))!;
        var grid = await http.GetAsync("api/runs/0/grids/2");
        byte[] drawn = await http.GetByteArrayAsync("api/runs/0/sample.png?count=16&seed=11&category=7&checkpoint=epoch-0001.ckpt");
        var walk = await http.GetAsync("api/runs/0/walk.gif?count=4&seed=1&steps=3");
        string page = await http.GetStringAsync("");
        var generated = DcganProcess.Run([], "generate", "--checkpoint", trained.Run.CheckpointAt(1), "--count", "16", "--seed", "11",
            "--category", "7", "--out", trained.File("generated.png"));

        Assert.Equal(("conditional", 2, 10), ((string)status["recipe"]!, (int)status["epoch"]!, (int)status["code_categories"]!));
        Assert.Equal("28x28 gray", (string)status["image"]!);
        Assert.Equal(["epoch-0001.ckpt", "epoch-0002.ckpt"], status["checkpoints"]!.AsArray().Select(c => (string)c!));
        Assert.Equal(File.ReadAllBytes(trained.Run.ImageAtEpoch(2)), await grid.Content.ReadAsByteArrayAsync());
        Assert.Equal("image/png", grid.Content.Headers.ContentType!.MediaType);
        Assert.True(generated.ExitCode == 0, generated.Err);
        Assert.Equal(File.ReadAllBytes(trained.File("generated.png")), drawn);
        Assert.Equal("image/gif", walk.Content.Headers.ContentType!.MediaType);
        Assert.Contains("<script src=\"/app.js\"></script>", page);
        Assert.Equal(before, Snapshot(trained.Run)); // it only reads
    }

    [Fact]
    public async Task A_colour_run_is_shown_and_drawn_in_colour()
    {
        using var dir = new TempFolder();
        var run = new RunFolder(dir.File("run"));
        var pixels = new byte[40 * 3 * 16 * 16];
        new Random(4).NextBytes(pixels);
        Trainer.Run(new Data.ImageSet(pixels, 40, 16, 16, channels: 3),
            new TrainOptions { Epochs = 1, Seed = 2, Recipe = Training.Recipe.Named("dcgan") with { Width = 8, BatchSize = 16 } }, run);
        await using var server = await RunServer.StartAsync([run], port: 0);
        using var http = new HttpClient { BaseAddress = server.Address };

        var status = JsonNode.Parse(await http.GetStringAsync("api/runs/0"))!;
        byte[] drawn = await http.GetByteArrayAsync("api/runs/0/sample.png?count=4&seed=9");
        var generated = DcganProcess.Run([], "generate", "--checkpoint", run.CheckpointAt(1), "--count", "4", "--seed", "9", "--out", dir.File("g.png"));

        Assert.Equal("16x16 colour", (string)status["image"]!);
        Assert.True(generated.ExitCode == 0, generated.Err);
        Assert.Equal(File.ReadAllBytes(dir.File("g.png")), drawn);
        using var bitmap = SkiaSharp.SKBitmap.Decode(drawn);
        Assert.Contains(bitmap.Pixels, p => p.Red != p.Green || p.Green != p.Blue);
    }

    [Theory]
    [InlineData("api/runs/0/sample.png?count=0", "count must be from 1 to 256 (got 0).")]
    [InlineData("api/runs/0/sample.png?count=100000", "count must be from 1 to 256 (got 100000).")]
    [InlineData("api/runs/0/sample.png?count=abc", "count must be a whole number (got abc).")]
    [InlineData("api/runs/0/sample.png?seed=-4", "seed must be from 0 to")]
    [InlineData("api/runs/0/sample.png?category=10", "category must be from 0 to 9 for this recipe (got 10).")]
    [InlineData("api/runs/0/sample.png?category=x", "category must be a whole number (got x).")]
    [InlineData("api/runs/0/sample.png?weights=best", "weights must be ema or raw (got best).")]
    [InlineData("api/runs/0/sample.png?bn=none", "bn must be moving or precise or batch (got none).")]
    [InlineData("api/runs/0/walk.gif?steps=1000", "steps must be from 2 to 60 (got 1000).")]
    [InlineData("api/runs/0/sample.png?checkpoint=..%2F..%2Foutside.txt", "checkpoint must be a checkpoint's name")]
    [InlineData("api/runs/0/sample.png?checkpoint=%2Fetc%2Fpasswd", "checkpoint must be a checkpoint's name")]
    [InlineData("api/runs/0/metrics/passwd.svg", "metric must be score, fd, recall, fd_resnet18 or kid (got passwd).")]
    public async Task A_bad_query_value_gets_400_and_one_line(string url, string says)
    {
        var (status, body) = await Get([trained.Run], url);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith(says, body);
        Assert.Single(body.TrimEnd().Split('\n'));
    }

    [Theory]
    [InlineData("api/runs/0/grids/..%2F..%2Foutside.txt")]
    [InlineData("api/runs/0/grids/7")]
    [InlineData("api/runs/3")]
    [InlineData("api/runs/0/sample.png?checkpoint=epoch-0009.ckpt")]
    [InlineData("../outside.txt")]
    [InlineData("%2E%2E/%2E%2E/outside.txt")]
    [InlineData("api/runs/0/..%2F..%2Foutside.txt")]
    [InlineData("run.json")]
    [InlineData("api/runs/0/checkpoints/epoch-0001.ckpt")]
    public async Task Anything_but_the_runs_own_files_by_their_own_names_is_not_there(string url)
    {
        var (status, body) = await Get([trained.Run], url);

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.DoesNotContain("not the run's", body);
    }

    [Fact]
    public async Task A_link_out_of_the_run_folder_is_not_followed()
    {
        using var dir = new TempFolder();
        var run = new RunFolder(dir.File("run"));
        Directory.CreateDirectory(run.Path);
        File.WriteAllText(dir.File("secret.png"), "secret");
        File.CreateSymbolicLink(run.ImageAtEpoch(1), dir.File("secret.png"));

        var (status, body) = await Get([run], "api/runs/0/grids/1");

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.DoesNotContain("secret", body);
    }

    [Fact]
    public async Task The_event_stream_says_change_when_the_run_writes_a_new_grid_and_a_page_that_leaves_is_let_go()
    {
        using var dir = new TempFolder();
        var run = new RunFolder(dir.File("run"));
        Directory.CreateDirectory(run.Path);
        await using var server = await RunServer.StartAsync([run], port: 0);
        using var http = new HttpClient { BaseAddress = server.Address };
        using var leaving = new CancellationTokenSource();

        using var stream = new StreamReader(await http.GetStreamAsync("api/runs/0/events", leaving.Token));
        string? first = await stream.ReadLineAsync();
        File.Copy(trained.Run.ImageAtEpoch(1), run.ImageAtEpoch(1));
        var next = new List<string?>();
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!next.Contains("data: 1") && next.Count < 8)
        {
            next.Add(await stream.ReadLineAsync(patience.Token));
        }
        leaving.Cancel();

        Assert.Equal("event: change", first);
        Assert.Equal(["data: 0", "", "event: change", "data: 1"], next);
        var status = JsonNode.Parse(await http.GetStringAsync("api/runs/0"))!; // still serving after the page left
        Assert.Equal([1], status["grids"]!.AsArray().Select(g => (int)g!));
    }
}
