using System.Net;
using System.Text.Json.Nodes;
using Dcgan.Imaging;
using Dcgan.Runs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Dcgan.Web;

/// <summary>
/// dcgan serve: a page per run that follows it as it trains (the newest grid, every epoch's, the GIF, the losses, the
/// evaluations), and a playground that draws from its checkpoints. ASP.NET Core's own server, on loopback unless told
/// otherwise. It only reads the run folders, by the names the tool writes.
/// </summary>
public sealed class RunServer : IAsyncDisposable
{
    /// <summary>The port when none is given.</summary>
    public const int DefaultPort = 5199;

    private readonly WebApplication app;
    private readonly Playground playground;
    private readonly IReadOnlyList<EpochFeed> feeds;

    private RunServer(WebApplication app, Playground playground, IReadOnlyList<EpochFeed> feeds, Uri address)
    {
        (this.app, this.playground, this.feeds, Address) = (app, playground, feeds, address);
    }

    /// <summary>Where it listens (with the port chosen, when 0 was asked for).</summary>
    public Uri Address { get; }

    /// <summary>Whether <paramref name="host"/> is only this machine, where the page is private.</summary>
    public static bool IsLoopback(string host) =>
        host == "localhost" || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));

    /// <summary>Starts serving <paramref name="runs"/> on <paramref name="host"/>:<paramref name="port"/> (0: a free port).</summary>
    public static async Task<RunServer> StartAsync(IReadOnlyList<RunFolder> runs, string host = "127.0.0.1", int port = DefaultPort)
    {
        var served = runs.Select((run, i) => new ServedRun(i, run)).ToList();
        // Its own folder as the content root: by default ASP.NET Core takes the current folder and watches it for
        // configuration files, which in a busy folder (a /tmp, say) costs a core.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(new UriBuilder("http", host, port).Uri.ToString().TrimEnd('/'));
        var app = builder.Build();
        var playground = new Playground();
        var feeds = served.Select(r => new EpochFeed(r)).ToList();
        Endpoints.Map(app, served, feeds, playground);
        try
        {
            await app.StartAsync().ConfigureAwait(false);
        }
        catch (IOException e)
        {
            feeds.ForEach(f => f.Dispose());
            playground.Dispose();
            await app.DisposeAsync().ConfigureAwait(false);
            throw new IOException($"cannot listen on {host}:{port} ({e.Message.TrimEnd('.')}); choose another --port, or 0 for a free one.", e);
        }
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new RunServer(app, playground, feeds, new Uri(address.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal) + "/"));
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync().ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
        foreach (var feed in feeds)
        {
            feed.Dispose();
        }
        playground.Dispose();
    }
}

/// <summary>The server's addresses. Every value from a request is checked; a bad one gets 400 and one line.</summary>
internal static class Endpoints
{
    public static void Map(WebApplication app, IReadOnlyList<ServedRun> runs, IReadOnlyList<EpochFeed> feeds, Playground playground)
    {
        app.MapGet("/", () => Asset("index.html", "text/html; charset=utf-8"));
        app.MapGet("/app.js", () => Asset("app.js", "text/javascript; charset=utf-8"));
        app.MapGet("/style.css", () => Asset("style.css", "text/css; charset=utf-8"));
        app.MapGet("/api/runs", () => Results.Json(new JsonArray([.. runs.Select(r => (JsonNode)new JsonObject { ["id"] = r.Id, ["name"] = r.Name })])));
        app.MapGet("/api/runs/{id:int}", (int id) => With(runs, id, run => Results.Text(RunStatus.Of(run).ToJsonString(), "application/json")));
        app.MapGet("/api/runs/{id:int}/grids/{epoch:int}", (int id, int epoch) =>
            With(runs, id, run => run.Grid(epoch) is { } grid ? File(grid, "image/png") : NotFound($"run {id} has no grid of epoch {epoch}.")));
        app.MapGet("/api/runs/{id:int}/gif", (int id) =>
            With(runs, id, run => run.Gif() is { } gif ? File(gif, "image/gif") : NotFound("the GIF is written when the run ends.")));
        app.MapGet("/api/runs/{id:int}/losses.svg", (int id) => With(runs, id, run => Svg(LossPlot.Svg(run.Folder.ReadLosses()))));
        app.MapGet("/api/runs/{id:int}/metrics/{metric}.svg", (int id, string metric) => With(runs, id, run => MetricSvg(run, metric)));
        app.MapGet("/api/runs/{id:int}/events", (int id, HttpContext context) =>
            id >= 0 && id < runs.Count ? Events(feeds[id], context) : Task.FromResult(NotFound($"there is no run {id}.")));
        app.MapGet("/api/runs/{id:int}/sample.png", (int id, HttpContext context) =>
            With(runs, id, run => Draw(run, context.Request.Query, (checkpoint, request) => Results.Bytes(playground.Grid(checkpoint, request), "image/png"))));
        app.MapGet("/api/runs/{id:int}/walk.gif", (int id, HttpContext context) =>
            With(runs, id, run => Draw(run, context.Request.Query, (checkpoint, request) => Results.Bytes(playground.Walk(checkpoint, request), "image/gif"))));
        app.MapFallback(() => NotFound("there is nothing here; the page is at /."));
    }

    private static IResult With(IReadOnlyList<ServedRun> runs, int id, Func<ServedRun, IResult> answer) =>
        id >= 0 && id < runs.Count ? answer(runs[id]) : NotFound($"there is no run {id}.");

    private static IResult Draw(ServedRun run, IQueryCollection query, Func<string, DrawRequest, IResult> draw)
    {
        var (request, problem) = DrawRequest.From(query);
        if (request is null)
        {
            return BadRequest(problem!);
        }
        if (run.Checkpoint(request.Checkpoint) is not { } checkpoint)
        {
            return NotFound(request.Checkpoint is null ? "the run has no checkpoint yet." : $"the run has no checkpoint {request.Checkpoint}.");
        }
        try
        {
            return draw(checkpoint, request);
        }
        catch (ArgumentException e)
        {
            return BadRequest(e.Message);
        }
        catch (InvalidDataException e)
        {
            return Results.Text(e.Message + "\n", statusCode: StatusCodes.Status409Conflict);
        }
    }

    private static IResult MetricSvg(ServedRun run, string metric)
    {
        var rows = run.Folder.ReadMetrics().Where(row => row["epoch"] is not null).ToList();
        List<(int, double, double?)> Points<T>(Func<JsonObject, bool, T?> read, Func<T, double> pick) where T : class =>
            [.. rows.Where(row => read(row, false) is not null).Select(row => ((int)row["epoch"]!, pick(read(row, false)!), read(row, true) is { } f ? pick(f) : (double?)null))];
        Evaluation.SetMetrics? Judged(JsonObject row, bool floor) => RunSummary.Scores(row, floor ? "floor" : "model");
        Evaluation.FeatureScores? Features(JsonObject row, bool floor) => Evaluation.ImageNetReport.Read(row) is { } r ? (floor ? r.Floor : r.Generated) : null;
        var (title, points) = metric switch
        {
            "score" => ("classifier score", Points(Judged, s => s.ClassifierScore)),
            "fd" => ("FD on the evaluator's features", Points(Judged, s => s.FrechetDistanceFeatures)),
            "recall" => ("recall", Points(Judged, s => s.Recall)),
            "fd_resnet18" => ("FD-ResNet18", Points(Features, s => s.FdResnet18)),
            "kid" => ("KID-ResNet18 x 1000", Points(Features, s => s.KidMean * 1000)),
            _ => default,
        };
        return title is null ? BadRequest($"metric must be score, fd, recall, fd_resnet18 or kid (got {metric}).") : Svg(MetricsPlot.Svg(title, points));
    }

    /// <summary>Server-sent events: "change" whenever the run has something new, a comment every 15 s to keep the
    /// connection open. It ends when the page goes away.</summary>
    private static async Task<IResult> Events(EpochFeed feed, HttpContext context)
    {
        var response = context.Response;
        response.Headers.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        var cancel = context.RequestAborted;
        long version = feed.Version;
        try
        {
            await response.WriteAsync($"event: change\ndata: {version}\n\n", cancel).ConfigureAwait(false);
            await response.Body.FlushAsync(cancel).ConfigureAwait(false);
            while (!cancel.IsCancellationRequested)
            {
                long now = await feed.NextAsync(version, TimeSpan.FromSeconds(15), cancel).ConfigureAwait(false);
                await response.WriteAsync(now == version ? ": still here\n\n" : $"event: change\ndata: {now}\n\n", cancel).ConfigureAwait(false);
                await response.Body.FlushAsync(cancel).ConfigureAwait(false);
                version = now;
            }
        }
        catch (OperationCanceledException)
        {
            // the page went away
        }
        return Results.Empty;
    }

    private static IResult File(string path, string type)
    {
        try
        {
            // Read whole before sending: the tool replaces its files by renaming, so this is one version or the other.
            return Results.Bytes(System.IO.File.ReadAllBytes(path), type);
        }
        catch (IOException)
        {
            return NotFound("that file is being replaced; ask again.");
        }
    }

    private static IResult Svg(string svg) => Results.Text(svg, "image/svg+xml");

    private static IResult NotFound(string why) => Results.Text(why + "\n", statusCode: StatusCodes.Status404NotFound);

    private static IResult BadRequest(string why) => Results.Text(why + "\n", statusCode: StatusCodes.Status400BadRequest);

    private static IResult Asset(string name, string type)
    {
        using var stream = typeof(Endpoints).Assembly.GetManifestResourceStream($"Dcgan.Web.wwwroot.{name}")!;
        using var reader = new StreamReader(stream);
        return Results.Text(reader.ReadToEnd(), type);
    }
}
