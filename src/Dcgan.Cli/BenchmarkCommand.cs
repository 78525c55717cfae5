using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Dcgan.Diagnostics;
using Dcgan.Performance;
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
        var recipe = OptionRules.RecipeOption($"default: {Recipes.Tutorial.Name}");
        var batchSize = new Option<int?>("--batch-size") { Description = "Images per step (default: the recipe's)" }.AtLeast(1)
            .AtMost(Sizes.MaxBatch, "far beyond what a step of these models needs");
        var steps = new Option<int>("--steps") { Description = "Timed steps", DefaultValueFactory = _ => 20 }.AtLeast(3)
            .AtMost(Sizes.MaxBenchmarkSteps, "a benchmark that long tells no more");
        var warmup = new Option<int>("--warmup") { Description = "Untimed steps first", DefaultValueFactory = _ => 3 }.AtLeast(0)
            .AtMost(Sizes.MaxBenchmarkSteps, "a benchmark that long tells no more");
        var profile = new Option<bool>("--profile") { Description = "Also time each layer's forward and backward, the optimizers, batching and image saving" };
        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var precision = OptionRules.PrecisionOption();
        var shape = new ShapeOptions("Default: the recipe's (28 for tutorial, 64 for dcgan)", "Default: gray at 28, colour otherwise");
        var command = new Command("benchmark", "Time the train step dcgan train runs, on synthetic data after a warm-up.\n" +
            "Example: dcgan benchmark --steps 30 --profile; dcgan benchmark --recipe dcgan --image-size 64 --channels 3")
        {
            recipe, batchSize, steps, warmup, precision, profile, json,
        };
        shape.AddTo(command);
        command.SetAction(parsed => UserErrors.Run(parsed, () =>
        {
            var arithmetic = OptionRules.ToPrecision(parsed.GetValue(precision)) ?? Models.Precision.Fp32;
            var asked = OptionRules.ToRecipe(parsed.GetValue(recipe));
            var timed = new TrainOptions { Recipe = asked, BatchSize = parsed.GetValue(batchSize), Precision = arithmetic }
                .NewRecipe(shape.Shape(parsed, asked?.Shape ?? Models.ImageShape.Tutorial));
            var result = Benchmark.Run(timed, parsed.GetValue(steps), parsed.GetValue(warmup));
            var rows = parsed.GetValue(profile) ? LayerProfile.Run(timed) : null;
            if (parsed.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new { result, profile = rows, torch = torch.__version__, machine = MachineInfo.Current() }, Indented));
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
            Console.WriteLine(string.Create(c, $"  peak resident memory {ProcessMemory.Mebibytes(result.PeakResidentBytes)} MiB"));
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
}
