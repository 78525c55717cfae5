using System.Diagnostics;

namespace Dcgan.Tests;

/// <summary>The dcgan program as a user runs it: a child process. It is built beside the tests (a project
/// reference), and run with the same dotnet host as the tests.</summary>
internal static class DcganProcess
{
    public static Process Start(Dictionary<string, string> environment, params string[] args) => Process.Start(StartInfo(environment, args))!;

    /// <summary>Starts dcgan with SIGINT's default action, as a terminal's foreground job has it. A test host started
    /// in the background by a script ignores SIGINT (POSIX has a shell's background jobs do), and a child inherits
    /// that: sent SIGINT, it would go on. coreutils' env resets it, then runs dcgan in its own place (same pid).</summary>
    public static Process StartInForeground(Dictionary<string, string> environment, params string[] args)
    {
        var start = StartInfo(environment, args);
        start.ArgumentList.Insert(0, start.FileName);
        start.ArgumentList.Insert(0, "--default-signal=INT");
        start.FileName = "/usr/bin/env";
        return Process.Start(start)!;
    }

    private static ProcessStartInfo StartInfo(Dictionary<string, string> environment, string[] args, string? folder = null)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = folder ?? "",
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
        return start;
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

    /// <summary>Runs dcgan in <paramref name="folder"/> and watches its peak resident memory (VmHWM, read every few
    /// milliseconds until it exits: a high-water mark, so the last reading is the peak up to then).</summary>
    public static (int ExitCode, string Out, string Err, long PeakBytes) RunIn(string folder, Dictionary<string, string> environment, params string[] args)
    {
        using var process = Process.Start(StartInfo(environment, args, folder))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        long peak = 0;
        var until = DateTime.UtcNow.AddMinutes(2);
        while (!process.WaitForExit(5))
        {
            peak = Math.Max(peak, HighWaterMark(process.Id));
            if (DateTime.UtcNow > until)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException("dcgan did not finish in 2 minutes: " + string.Join(' ', args));
            }
        }
        return (process.ExitCode, stdout.Result, stderr.Result, peak);
    }

    private static long HighWaterMark(int pid)
    {
        try
        {
            string? line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException)
        {
            return 0; // it has just exited
        }
    }
}
