using System.CommandLine;
using System.Globalization;
using Dcgan.Diagnostics;
using Dcgan.Generation;
using Dcgan.Models;
using Dcgan.Runs;
using Dcgan.Training;

namespace Dcgan.Cli;

/// <summary>dcgan doctor: is libtorch's arithmetic right on this CPU, for every layer and batch size a run uses?</summary>
internal static class DoctorCommand
{
    public static Command Create()
    {
        var defaults = new TrainOptions();
        var images = new Option<int>("--images") { Description = "Training images (sets the short last batch)", DefaultValueFactory = _ => 60_000 }.AtLeast(1);
        var batchSize = new Option<int?>("--batch-size") { Description = "Images per train step (default: the recipe's for each shape: 256 for the tutorial's models, 128 for the paper's)" }.AtLeast(1)
            .AtMost(Training.Recipe.MaxBatch, "far beyond what a step of these models needs");
        var shape = new ShapeOptions("Default: both model families, the tutorial's at 28 and the paper's at 64", "Default: gray at 28, colour otherwise");
        var precision = new Option<string>("--precision") { Description = "fp32, bf16, or both (default: both)" }.OneOf("fp32", "bf16");
        var command = new Command("doctor", "Check libtorch's kernels on this CPU: every layer, forward and backward, in fp32 and bf16, against float64.\n" +
            "Example: dcgan doctor --batch-size 256 --images 60000; dcgan doctor --image-size 32 --channels 3")
        {
            images, batchSize, precision,
        };
        shape.AddTo(command);
        command.SetAction(parsed => UserErrors.Run(parsed, () =>
        {
            NativeSetup.Apply(); // the process's own settings (NNPACK off, freed memory reused), now that models come next
            foreach (string line in MachineInfo.Current().Lines())
            {
                Console.WriteLine(line);
            }
            bool given = parsed.GetValue(shape.ImageSize) is not null || parsed.GetValue(shape.Channels) is not null;
            ImageShape[] shapes = given ? [shape.Shape(parsed, ImageShape.Tutorial)] : [ImageShape.Tutorial, Recipe.PaperShape];
            var precisions = parsed.GetValue(precision) is { } one ? [OptionRules.ToPrecision(one)!.Value] : new[] { Precision.Fp32, Precision.Bf16 };
            var failed = new List<LayerCheck>();
            foreach (var checkedShape in shapes)
            {
                var recipe = new TrainOptions().NewRecipe(null, checkedShape);
                int size = parsed.GetValue(batchSize) ?? recipe.BatchSize;
                if (Diagnostics.MachineInfo.BatchProblem(Math.Min(parsed.GetValue(images), size)) is { } tooLarge)
                {
                    throw new ArgumentException($"--batch-size {tooLarge}");
                }
                var batches = KernelCheck.BatchesOf(parsed.GetValue(images), size, defaults.ExamplesToGenerate, Sampler.Block);
                Console.WriteLine();
                Console.WriteLine($"{(checkedShape.IsTutorial ? "the tutorial's models" : $"the DCGAN paper's models, width {recipe.Width}")} at {checkedShape.Describe()}; " +
                    $"batch sizes: {string.Join(", ", batches.Select(b => $"{b.Size} ({b.Why})"))}");
                foreach (var arithmetic in precisions)
                {
                    var checks = KernelCheck.Run(arithmetic, batches, secondOrder: true, shape: checkedShape, width: recipe.Width);
                    Print(arithmetic, checks);
                    failed.AddRange(checks.Where(c => !c.Passed));
                }
            }
            Console.WriteLine();
            var (exit, verdict) = Verdict(precisions, failed);
            (exit == 0 ? Console.Out : Console.Error).WriteLine(verdict);
            return exit;
        }));
        return command;
    }

    /// <summary>Exit 0 when every precision asked for is safe to train in, with the line to print (on stderr when not).
    /// Where only some are, one line says which is refused and which is fine.</summary>
    internal static (int Exit, string Line) Verdict(IReadOnlyList<Precision> asked, IReadOnlyList<LayerCheck> failed)
    {
        static string Name(Precision p) => p.ToString().ToLowerInvariant();
        var wrong = asked.Where(p => failed.Any(f => f.Run == p)).ToList();
        if (wrong.Count == 0)
        {
            return (0, $"All layers agree with float64: this CPU trains the models right in {string.Join(" and ", asked.Select(Name))}.");
        }
        var safe = asked.Except(wrong).ToList();
        if (safe.Count == 0)
        {
            return (UserErrors.Failure, $"dcgan: {new WrongArithmeticException(failed[0]).Message}");
        }
        var first = failed.First(f => f.Run == wrong[0]);
        return (UserErrors.Failure, string.Create(CultureInfo.InvariantCulture,
            $"dcgan: {Name(wrong[0])} is refused on this CPU (the {first.Model.ToLowerInvariant()}'s {first.Layer} is off by {first.MaxError:G2}, " +
            $"{first.Tolerance:G2} allowed); {string.Join(" and ", safe.Select(Name))} is fine: train with --precision {Name(safe[0])}."));
    }

    private static void Print(Precision run, IReadOnlyList<LayerCheck> checks)
    {
        var c = CultureInfo.InvariantCulture;
        Console.WriteLine();
        Console.WriteLine($"{run.ToString().ToLowerInvariant()} run: {checks.Count(k => k.Passed)} of {checks.Count} checks pass");
        Console.WriteLine($"{"model",-14} {"layer",-9} {"input",-20} {"computes",-8} {"pass",-8} {"forward",9} {"gradients",9} {"2nd order",9} {"allowed",8}");
        foreach (var k in checks)
        {
            Console.WriteLine(string.Create(c,
                $"{k.Model,-14} {k.Layer,-9} {k.InputShape,-20} {k.Precision.ToString().ToLowerInvariant(),-8} {(k.Backward ? "fwd+bwd" : "fwd"),-8} {k.ForwardError,9:0.0E+00} {(k.Backward ? k.GradientError.ToString("0.0E+00", c) : "-"),9} {k.SecondOrderError?.ToString("0.0E+00", c) ?? "-",9} {k.Tolerance,8:0E+00}  {(k.Passed ? "ok" : "WRONG")}"));
        }
    }
}
