using System.Diagnostics;

namespace Dcgan.Tests;

/// <summary>The dcgan program as a user runs it: a child process. It is built beside the tests (a project
/// reference), and run with the same dotnet host as the tests.</summary>
internal static class DcganProcess
{
    public static Process Start(Dictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "dcgan.dll"));
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }
        return Process.Start(start)!;
    }

    public static (int ExitCode, string Out, string Err) Run(Dictionary<string, string> environment, params string[] args)
    {
        using var process = Start(environment, args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("dcgan did not finish in 5 minutes: " + string.Join(' ', args));
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
