using System.Text.Json;
using Dcgan.Cli.Performance;
using Dcgan.Models;
using Dcgan.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Generator = Dcgan.Models.Generator;

namespace Dcgan.Tests;

/// <summary>benchmarks/pytorch_dcgan.py, the peer `dcgan benchmark --pytorch` times, builds the same models as ours:
/// the same output size and parameters after every layer, read from PyTorch itself (Debian's python3-torch) as an
/// independent oracle.</summary>
public class PyTorchPeerTests
{
    private static readonly string Script = Fixtures.RepositoryFile("benchmarks/pytorch_dcgan.py");

    [PyTorchTheory]
    [InlineData(16, 1, 8)]
    [InlineData(32, 3, 64)]
    [InlineData(64, 3, 64)]
    public void The_scripts_models_have_our_layers_sizes_and_parameters(int size, int channels, int width)
    {
        var theirs = JsonDocument.Parse(Python(Script, "summary", "--image-size", $"{size}", "--channels", $"{channels}", "--width", $"{width}")).RootElement;
        var shape = new ImageShape(channels, size);
        using var g = Generator.For(shape, width);
        using var d = Discriminator.For(shape, width);
        using var noise = torch.zeros(2, Generator.NoiseDim);
        using var images = torch.zeros(2, channels, size, size);

        Assert.Equal(Layers(theirs.GetProperty("generator")), Layers(g.Layers, noise));
        Assert.Equal(Layers(theirs.GetProperty("discriminator")), Layers(d.Layers, images));
        Assert.Equal(theirs.GetProperty("generator").GetProperty("params").GetInt64(), g.parameters().Sum(p => p.numel()));
        Assert.Equal(theirs.GetProperty("discriminator").GetProperty("params").GetInt64(), d.parameters().Sum(p => p.numel()));
    }

    [PyTorchFact]
    public void The_peer_times_its_step_and_says_on_what()
    {
        var recipe = Recipe.Named("dcgan").For(new ImageShape(1, 16)) with { Width = 8, BatchSize = 4 };

        var result = PyTorchPeer.Time(Script, recipe, steps: 3, warmup: 1);

        Assert.Equal(3, result.Steps);
        Assert.InRange(result.MedianSeconds, 1e-6, 60);
        Assert.StartsWith("1.", result.Torch, StringComparison.Ordinal); // Debian's 1.13
    }

    [Fact]
    public void Only_recipes_that_train_as_dcgan_have_the_peer()
    {
        var dcgan = Recipe.Named("dcgan");
        Assert.Null(PyTorchPeer.Mismatch(dcgan.For(new ImageShape(1, 32)) with { Width = 16, BatchSize = 7 }));
        Assert.NotNull(PyTorchPeer.Mismatch(dcgan with { Precision = Precision.Bf16 }));
        Assert.NotNull(PyTorchPeer.Mismatch(dcgan with { R1Gamma = 1 }));
        Assert.NotNull(PyTorchPeer.Mismatch(Recipe.Named("dcgan-conditional")));
        Assert.NotNull(PyTorchPeer.Mismatch(Recipe.Tutorial));
    }

    [Fact]
    public void A_missing_script_is_said_to_be_missing()
    {
        var e = Assert.Throws<PeerFailedException>(() => PyTorchPeer.Time("no/such/script.py", Recipe.Named("dcgan"), 3, 0));
        Assert.Equal(PeerProblem.NoScript, e.Problem);
    }

    /// <summary>The layers that have a size of their own: the output's element count and the parameters of each,
    /// without the flatten that ours has before its dense logit where theirs ends in a 4x4 convolution to 1x1.</summary>
    private static List<(long Elements, long Params)> Layers(JsonElement net) =>
        [.. net.GetProperty("layers").EnumerateArray()
            .Select(l => (l.GetProperty("shape").EnumerateArray().Aggregate(1L, (n, s) => n * s.GetInt64()), l.GetProperty("params").GetInt64()))];

    private static List<(long Elements, long Params)> Layers(Sequential layers, Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var sizes = new List<(long, long)>();
        var x = input;
        foreach (var (name, module) in layers.named_children())
        {
            x = ((nn.Module<Tensor, Tensor>)module).call(x);
            if (name != "flatten")
            {
                sizes.Add((x.numel() / x.shape[0], module.parameters().Sum(p => p.numel())));
            }
        }
        return sizes;
    }

    private static string Python(params string[] arguments)
    {
        var (exitCode, output, errors) = PyTorchPeer.RunPython(PyTorchPeer.DefaultPython, arguments);
        Assert.True(exitCode == 0, errors);
        return output;
    }
}

/// <summary>Whether Debian's python3-torch is here (import torch and numpy, and any other modules a test names), asked
/// once for each list of modules.</summary>
internal static class PyTorchAvailability
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string?> Missing = new();

    public static string? Reason(string modules = "torch, numpy") => Missing.GetOrAdd(modules, _ =>
    {
        string packages = string.Join(' ', modules.Split(", ").Select(m => $"python3-{m}"));
        try
        {
            return PyTorchPeer.RunPython(PyTorchPeer.DefaultPython, ["-c", $"import {modules}"]).ExitCode == 0
                ? null
                : $"{PyTorchPeer.DefaultPython} lacks one of {modules}: apt install {packages}";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return $"no {PyTorchPeer.DefaultPython}: apt install {packages}";
        }
    });
}

/// <summary>A test that runs Debian's python3-torch (and any other modules named) as its oracle, skipped with the
/// reason where it is missing.</summary>
public sealed class PyTorchFactAttribute : FactAttribute
{
    public PyTorchFactAttribute(string modules = "torch, numpy") => Skip = PyTorchAvailability.Reason(modules);
}

/// <summary>A theory that runs Debian's python3-torch as its oracle, skipped with the reason where it is missing.</summary>
public sealed class PyTorchTheoryAttribute : TheoryAttribute
{
    public PyTorchTheoryAttribute() => Skip = PyTorchAvailability.Reason();
}
