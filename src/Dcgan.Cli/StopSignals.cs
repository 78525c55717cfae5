namespace Dcgan.Cli;

/// <summary>Ctrl+C (SIGINT) and SIGTERM, as a token: a command stops at a point of its choosing (train after the
/// current step, which it saves; serve at once) instead of being ended wherever it is.</summary>
internal sealed class StopSignals : IDisposable
{
    private readonly CancellationTokenSource source = new();
    private readonly System.Runtime.InteropServices.PosixSignalRegistration? terminate;

    public StopSignals()
    {
        Console.CancelKeyPress += OnCancel;
        if (!OperatingSystem.IsWindows())
        {
            // Without this, SIGTERM (kill, systemd, a container stopping) ends the process mid-step.
            terminate = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                source.Cancel();
            });
        }
    }

    public CancellationToken Token => source.Token;

    private void OnCancel(object? sender, ConsoleCancelEventArgs e)
    {
        e.Cancel = true;
        source.Cancel();
    }

    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancel;
        terminate?.Dispose();
        source.Dispose();
    }
}
