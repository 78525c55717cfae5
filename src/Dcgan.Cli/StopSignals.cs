using System.Runtime.InteropServices;

namespace Dcgan.Cli;

/// <summary>Ctrl+C (SIGINT) and SIGTERM, as a token: a command stops at a point of its choosing (train after the
/// current step, which it saves; serve at once) instead of being ended wherever it is. Both signals take the same
/// path (Console.CancelKeyPress is this registration for SIGINT, with an event on top).</summary>
internal sealed class StopSignals : IDisposable
{
    private readonly CancellationTokenSource source = new();
    private readonly PosixSignalRegistration[] registrations;

    public StopSignals()
    {
        // SIGTERM too: without it, kill, systemd or a container stopping would end the process mid-step.
        registrations = OperatingSystem.IsWindows() ? [Stop(PosixSignal.SIGINT)] : [Stop(PosixSignal.SIGINT), Stop(PosixSignal.SIGTERM)];
    }

    public CancellationToken Token => source.Token;

    private PosixSignalRegistration Stop(PosixSignal signal) => PosixSignalRegistration.Create(signal, context =>
    {
        context.Cancel = true;
        source.Cancel();
    });

    public void Dispose()
    {
        foreach (var registration in registrations)
        {
            registration.Dispose();
        }
        source.Dispose();
    }
}
