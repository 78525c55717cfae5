using System.Net;
using System.Net.Sockets;

namespace Dcgan.Tests;

/// <summary>A real HTTP server on 127.0.0.1 for download tests: each path answers as its route says.</summary>
internal sealed class LocalHttpServer : IDisposable
{
    private readonly HttpListener listener = new();
    private readonly Dictionary<string, Func<HttpListenerContext, Task>> routes = [];
    private readonly CancellationTokenSource stop = new();

    public LocalHttpServer()
    {
        // Ask the OS for a free port, then listen on it.
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        listener.Start();
        _ = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public string Url(string path) => $"http://127.0.0.1:{Port}/{path}";

    /// <summary>How many requests each path received.</summary>
    public Dictionary<string, int> Hits { get; } = [];

    public void Serve(string path, byte[] body) => routes["/" + path] = async c =>
    {
        c.Response.ContentLength64 = body.Length;
        await c.Response.OutputStream.WriteAsync(body);
        c.Response.Close();
    };

    public void Status(string path, int status) => routes["/" + path] = c =>
    {
        c.Response.StatusCode = status;
        c.Response.Close();
        return Task.CompletedTask;
    };

    /// <summary>Promises the whole body, sends part of it, then drops the connection.</summary>
    public void Truncated(string path, byte[] body, int sent) => routes["/" + path] = async c =>
    {
        c.Response.ContentLength64 = body.Length;
        await c.Response.OutputStream.WriteAsync(body.AsMemory(0, sent));
        await c.Response.OutputStream.FlushAsync();
        c.Response.Abort();
    };

    /// <summary>Sends part of the body, then says nothing more until the server stops.</summary>
    public void Stalled(string path, byte[] body, int sent) => routes["/" + path] = async c =>
    {
        c.Response.ContentLength64 = body.Length;
        await c.Response.OutputStream.WriteAsync(body.AsMemory(0, sent));
        await c.Response.OutputStream.FlushAsync();
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException)
        {
            c.Response.Abort();
        }
    };

    private async Task ServeAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            string path = context.Request.Url!.AbsolutePath;
            lock (Hits)
            {
                Hits[path.TrimStart('/')] = Hits.GetValueOrDefault(path.TrimStart('/')) + 1;
            }
            _ = Task.Run(async () =>
            {
                try
                {
                    if (routes.TryGetValue(path, out var route))
                    {
                        await route(context);
                    }
                    else
                    {
                        context.Response.StatusCode = 404;
                        context.Response.Close();
                    }
                }
                catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
                {
                    // the client went away: nothing to do
                }
            });
        }
    }

    public void Dispose()
    {
        if (!listener.IsListening)
        {
            return; // already stopped (a test may stop the server early to cut the network)
        }
        stop.Cancel();
        listener.Close();
        stop.Dispose();
    }
}
