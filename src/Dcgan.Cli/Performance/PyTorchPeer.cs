using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Dcgan.Models;
using Dcgan.Training;

namespace Dcgan.Cli.Performance;

/// <summary>What a PyTorch peer's step timing says (the JSON that benchmarks/pytorch_dcgan.py step prints).</summary>
internal sealed record PeerResult(
    [property: JsonPropertyName("median_seconds")] double MedianSeconds,
    [property: JsonPropertyName("p10_seconds")] double P10Seconds,
    [property: JsonPropertyName("mean_seconds")] double MeanSeconds,
    [property: JsonPropertyName("steps")] int Steps,
    [property: JsonPropertyName("threads")] int Threads,
    [property: JsonPropertyName("torch")] string Torch);

/// <summary>Why the PyTorch peer gave no timing.</summary>
internal enum PeerProblem
{
    /// <summary>The script file is not there.</summary>
    NoScript,

    /// <summary>The Python interpreter could not be started.</summary>
    NoPython,

    /// <summary>That Python has no torch (or no numpy).</summary>
    NoTorch,

    /// <summary>The script stopped with an error, or printed no timing.</summary>
    Failed,
}

/// <summary>The PyTorch peer could not be timed; <see cref="Detail"/> is the peer's own last words, if any.</summary>
internal sealed class PeerFailedException(PeerProblem problem, string python, string script, string detail)
    : IOException($"the PyTorch peer ({python} {script}) failed: {problem}: {detail}")
{
    public PeerProblem Problem { get; } = problem;
    public string Python { get; } = python;
    public string Script { get; } = script;
    public string Detail { get; } = detail;
}

/// <summary>
/// pytorch/examples' dcgan step, timed by benchmarks/pytorch_dcgan.py in its own Python process on the same cores, so
/// that <c>dcgan benchmark</c> can put our step and theirs side by side in one run. Its step is the dcgan recipe's
/// (the paper's models, Adam(2e-4, beta1 0.5), BCE, no dropout, no extras), so only recipes that train as dcgan
/// does, at any shape, width and batch, have it as a peer.
/// </summary>
internal static class PyTorchPeer
{
    /// <summary>Debian's interpreter, where python3-torch installs torch, ahead of whatever python3 is first on PATH
    /// (which may be a virtual environment without it).</summary>
    public static string DefaultPython => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    /// <summary>Why <paramref name="recipe"/>'s step is not the peer's, or null when it is.</summary>
    public static string? Mismatch(Recipe recipe)
    {
        var peer = Recipe.Named("dcgan");
        return (recipe with { Width = peer.Width }).TrainsAs(peer) && recipe.Precision == Precision.Fp32 ? null
            : $"the recipe {recipe.Name} trains otherwise than pytorch/examples' dcgan step, which the PyTorch peer runs";
    }

    /// <summary>Times pytorch/examples' step at the recipe's shape, width and batch: <paramref name="warmup"/>
    /// untimed steps, then the median of <paramref name="steps"/>.</summary>
    public static PeerResult Time(string script, Recipe recipe, int steps, int warmup, string? python = null)
    {
        python ??= DefaultPython;
        if (!File.Exists(script))
        {
            throw new PeerFailedException(PeerProblem.NoScript, python, script, "no such file");
        }
        var shape = recipe.Shape;
        // The script's own options (argparse's), not dcgan's.
        string[] scriptArguments = [script, "step", "--image-size", Text(shape.Size), "--channels", Text(shape.Channels), "--width", Text(recipe.Width), "--batch-size", Text(recipe.BatchSize), "--steps", Text(steps), "--warmup", Text(warmup)];
        int exitCode;
        string output, errors;
        try
        {
            (exitCode, output, errors) = RunPython(python, scriptArguments);
        }
        catch (Win32Exception e)
        {
            throw new PeerFailedException(PeerProblem.NoPython, python, script, e.Message);
        }
        string lastError = errors.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? $"exit code {exitCode}";
        if (exitCode != 0)
        {
            throw new PeerFailedException(lastError.Contains("No module named", StringComparison.Ordinal) ? PeerProblem.NoTorch : PeerProblem.Failed,
                python, script, lastError);
        }
        try
        {
            return JsonSerializer.Deserialize<PeerResult>(output) ?? throw new JsonException("null");
        }
        catch (JsonException)
        {
            throw new PeerFailedException(PeerProblem.Failed, python, script, $"it printed no timing ({output.Trim().Split('\n')[0]})");
        }
    }

    /// <summary>Runs <paramref name="python"/> with <paramref name="arguments"/> to its end: its exit code, stdout and
    /// stderr. A Win32Exception when it cannot be started.</summary>
    public static (int ExitCode, string Output, string Errors) RunPython(string python, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(python, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(start) ?? throw new Win32Exception("not started");
        var errors = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, errors.Result);
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
