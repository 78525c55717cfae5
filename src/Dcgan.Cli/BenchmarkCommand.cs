using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Dcgan.Cli.Performance;
using Dcgan.Diagnostics;
using Dcgan.Models;
using Dcgan.Runs;
using Dcgan.Training;
using TorchSharp;

namespace Dcgan.Cli;

/// <summary>dcgan benchmark: how fast the real train step runs on this machine.</summary>
internal static class BenchmarkCommand
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Command Create()
    {
        var recipe = OptionRules.RecipeOption($"default: {Recipe.Tutorial.Name}");
        var batchSize = new Option<int?>("--batch-size") { Description = "Images per step (default: the recipe's)" }.AtLeast(1)
            .AtMost(Training.Recipe.MaxBatch, "far beyond what a step of these models needs");
        var steps = new Option<int>("--steps") { Description = "Timed steps", DefaultValueFactory = _ => 20 }.AtLeast(3)
            .AtMost(Limits.MaxBenchmarkSteps, "a benchmark that long tells no more");
        var warmup = new Option<int>("--warmup") { Description = "Untimed steps first", DefaultValueFactory = _ => 3 }.AtLeast(0)
            .AtMost(Limits.MaxBenchmarkSteps, "a benchmark that long tells no more");
        var profile = new Option<bool>("--profile") { Description = "Also time each layer's forward and backward, the optimizers, batching and image saving" };
        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var pytorch = new Option<FileInfo?>("--pytorch")
        {
            Description = "Also time pytorch/examples' step with this script (benchmarks/pytorch_dcgan.py in dcgan's repository, on Debian's python3-torch), interleaved with ours, for the dcgan recipe",
        };
        var rounds = new Option<int>("--rounds") { Description = "Benchmarks in turn (PyTorch's, then ours); the best median of each counts", DefaultValueFactory = _ => 1 }
            .AtLeast(1).AtMost(MaxRounds, "the best of that many tells no more");
        var data = new Option<DirectoryInfo?>("--data")
        {
            Description = "Also time the step on batches read from this folder of images a batch at a time, as train reads them (prepared first if need be), in turn with the in-memory batches",
        };
        var precision = OptionRules.PrecisionOption();
        var shape = new ShapeOptions("Default: the recipe's (28 for tutorial, 64 for dcgan)", "Default: gray at 28, colour otherwise");
        var command = new Command("benchmark", "Time the train step dcgan train runs, on synthetic data after a warm-up.\n" +
            "Example: dcgan benchmark --steps 30 --profile; dcgan benchmark --recipe dcgan --image-size 64 --channels 3")
        {
            recipe, batchSize, steps, warmup, precision, profile, json, pytorch, rounds, data,
        };
        shape.AddTo(command);
        command.SetAction(parsed => UserErrors.Run(parsed, () =>
        {
            NativeSetup.Apply(); // the process's own settings (NNPACK off, freed memory reused), now that models come next
            var arithmetic = OptionRules.ToPrecision(parsed.GetValue(precision)) ?? Models.Precision.Fp32;
            var asked = OptionRules.ToRecipe(parsed.GetValue(recipe));
            var timed = new TrainOptions { Recipe = asked, BatchSize = parsed.GetValue(batchSize), Precision = arithmetic }
                .NewRecipe(shape.Shape(parsed, asked?.Shape ?? Models.ImageShape.Tutorial));
            var peerScript = parsed.GetValue(pytorch)?.FullName;
            if (peerScript is not null && PyTorchPeer.Mismatch(timed) is { } mismatch)
            {
                throw new ArgumentException($"{mismatch}; time the dcgan recipe beside it (--recipe dcgan, at any --image-size, --channels and --batch-size).");
            }
            bool quiet = parsed.GetValue(json);
            using var streamed = parsed.GetValue(data) is { } folder
                ? Downloads.Load(new Data.DataRequest { Data = folder.FullName, ImageSize = timed.Shape.Size, Channels = timed.Shape.Channels }, Data.Split.Train,
                    quiet ? Console.Error.WriteLine : null).Images
                : null;
            var streamedResults = new List<BenchmarkResult>();
            var results = new List<BenchmarkResult>();
            var peers = new List<PeerResult>();
            for (int round = 1; round <= parsed.GetValue(rounds); round++)
            {
                // The peer goes first: a missing script, Python or torch is said at once, not after our timing.
                if (peerScript is not null)
                {
                    peers.Add(Peer(peerScript, timed, parsed.GetValue(steps), parsed.GetValue(warmup)));
                }
                results.Add(Benchmark.Run(timed, parsed.GetValue(steps), parsed.GetValue(warmup)));
                if (streamed is not null)
                {
                    streamedResults.Add(Benchmark.Run(timed, parsed.GetValue(steps), parsed.GetValue(warmup), streamed: streamed));
                }
                if (!quiet && parsed.GetValue(rounds) > 1)
                {
                    string theirs = peers.Count > 0 ? string.Create(CultureInfo.InvariantCulture, $", pytorch {peers[^1].MedianSeconds:F3} s") : "";
                    string read = streamedResults.Count > 0 ? string.Create(CultureInfo.InvariantCulture, $", streamed {streamedResults[^1].MedianSeconds:F3} s") : "";
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round}: dcgan {results[^1].MedianSeconds:F3} s{read}{theirs}"));
                }
            }
            var fromData = streamedResults.MinBy(r => r.MedianSeconds);
            var result = results.MinBy(r => r.MedianSeconds)!;
            var peer = peers.MinBy(p => p.MedianSeconds);
            double? ratio = peer is null ? null : result.MedianSeconds / peer.MedianSeconds;
            var rows = parsed.GetValue(profile) ? LayerProfile.Run(timed) : null;
            if (quiet)
            {
                Console.WriteLine(JsonSerializer.Serialize(new { result, streamed = fromData, pytorch = peer, ratio, rounds = results.Count, profile = rows, torch = torch.__version__, machine = MachineInfo.Current() }, Indented));
                return 0;
            }
            var c = CultureInfo.InvariantCulture;
            foreach (string line in MachineInfo.Current().Lines())
            {
                Console.WriteLine(line);
            }
            Console.WriteLine(string.Create(c, $"train step of {result.Recipe} on {result.Shape.Describe()} images, batch {result.BatchSize}, {parsed.GetValue(precision)}, {result.Threads} threads, {result.Steps} steps timed:"));
            Console.WriteLine(string.Create(c, $"  median {result.MedianSeconds:F3} s (p10 {result.P10Seconds:F3}, p90 {result.P90Seconds:F3}, mean {result.MeanSeconds:F3})"));
            Console.WriteLine(string.Create(c, $"  {result.ImagesPerSecond:F0} images/s; a 60,000-image epoch: {result.ProjectedEpochSeconds:F0} s"));
            Console.WriteLine(string.Create(c, $"  peak resident memory {result.PeakResidentBytes >> 20} MiB") +
                (result.PageFaultsPerStep is { } faults ? string.Create(c, $"; {faults:F0} pages faulted in afresh a step") : ""));
            if (fromData is not null)
            {
                Console.WriteLine(string.Create(c, $"the same step on batches read from {streamed!.Count} prepared images a batch at a time: median {fromData.MedianSeconds:F3} s (p10 {fromData.P10Seconds:F3}, mean {fromData.MeanSeconds:F3})"));
                Console.WriteLine(string.Create(c, $"  ratio, read to in memory (best median of {streamedResults.Count}): {fromData.MedianSeconds / result.MedianSeconds:F3}; peak resident memory {fromData.PeakResidentBytes >> 20} MiB"));
            }
            if (peer is not null)
            {
                Console.WriteLine(string.Create(c, $"pytorch/examples' step (torch {peer.Torch}, {peer.Threads} threads): median {peer.MedianSeconds:F3} s (p10 {peer.P10Seconds:F3}, mean {peer.MeanSeconds:F3})"));
                Console.WriteLine(string.Create(c, $"  ratio, ours to PyTorch's (best median of {results.Count}): {ratio:F2}"));
            }
            if (rows is not null)
            {
                Console.WriteLine();
                Console.WriteLine($"{"part",-32} {"forward ms",11} {"backward ms",12}");
                foreach (var row in rows)
                {
                    Console.WriteLine(string.Create(c, $"{row.Part,-32} {row.ForwardMs,11:F1} {row.BackwardMs,12:F1}"));
                }
            }
            return 0;
        }));
        return command;
    }

    private const int MaxRounds = 100;

    /// <summary>The peer's timing; what keeps it from running, as what to do about it.</summary>
    private static PeerResult Peer(string script, Training.Recipe recipe, int steps, int warmup)
    {
        try
        {
            return PyTorchPeer.Time(script, recipe, steps, warmup);
        }
        catch (PeerFailedException e)
        {
            throw new IOException(e.Problem switch
            {
                PeerProblem.NoScript => $"--pytorch {e.Script}: no such file; give the path of benchmarks/pytorch_dcgan.py in dcgan's repository.",
                PeerProblem.NoPython => $"{e.Python} could not be started ({e.Detail}); install Debian's python3-torch (apt install python3-torch python3-numpy).",
                PeerProblem.NoTorch => $"{e.Python} has no torch ({e.Detail}); install Debian's python3-torch (apt install python3-torch python3-numpy).",
                _ => $"the PyTorch peer failed: {e.Detail}",
            }, e);
        }
    }
}
