using System.CommandLine;
using Dcgan.Runs;
using Dcgan.Web;

namespace Dcgan.Cli;

/// <summary>--port and --host: where dcgan serve, and dcgan train --serve, put the page.</summary>
internal sealed class ServeOptions
{
    private readonly Option<int> port = new Option<int>("--port")
    {
        Description = $"The port of the page (0: a free one, printed)",
        DefaultValueFactory = _ => RunServer.DefaultPort,
    }.AtLeast(0).AtMost(65_535, "the largest TCP port");

    private readonly Option<string> host = new("--host")
    {
        Description = "The address to listen on; anything but loopback shows the runs to your network",
        DefaultValueFactory = _ => "127.0.0.1",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(port);
        command.Options.Add(host);
    }

    /// <summary>Starts the page for <paramref name="runs"/>, saying where, and warning when it is not private.</summary>
    public RunServer Start(ParseResult parsed, IReadOnlyList<RunFolder> runs)
    {
        string where = parsed.GetValue(host)!;
        if (!RunServer.IsLoopback(where))
        {
            Console.Error.WriteLine($"dcgan: note: listening on {where}: anyone who can reach this machine there can see these runs and draw from them.");
        }
        var server = RunServer.StartAsync(runs, where, parsed.GetValue(port)).GetAwaiter().GetResult();
        Console.WriteLine($"Serving {(runs.Count == 1 ? runs[0].Path : $"{runs.Count} runs")} at {server.Address}");
        return server;
    }
}
