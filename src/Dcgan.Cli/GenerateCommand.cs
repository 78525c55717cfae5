using System.CommandLine;
using Dcgan.Data;
using Dcgan.Generation;
using Dcgan.Imaging;
using Dcgan.Models;
using static TorchSharp.torch;

namespace Dcgan.Cli;

/// <summary>dcgan generate: restore a checkpoint, as the tutorial's checkpoint.restore(tf.train.latest_checkpoint(...)),
/// and draw new digits: a grid PNG, the raw samples as IDX, or a walk through the latent space as a GIF.</summary>
internal static class GenerateCommand
{
    private static readonly CheckpointOptions Source = new(required: false);
    private static readonly SamplingOptions Sampling = new();
    private static readonly Option<FileInfo> Model = new("--model") { Description = "An ONNX generator ('dcgan export --format onnx') instead of --run or --checkpoint" };
    private static readonly Option<FileInfo> Output = new("--out") { Description = "The file to write (.png, .idx/.gz with --format idx, .gif with --interpolate)", Required = true };
    private static readonly Option<int> Count = new Option<int>("--count") { Description = "How many digits", DefaultValueFactory = _ => 16 }.AtLeast(1);
    private static readonly Option<int?> Columns = new Option<int?>("--columns") { Description = "Digits per row of the grid (default: a square)" }.AtLeast(1);
    private static readonly Option<string> Format = new Option<string>("--format")
    {
        Description = "png: a grid; idx: the samples as an IDX ubyte file (N x 28 x 28)",
        DefaultValueFactory = _ => "png",
    }.OneOf("png", "idx");
    private static readonly Option<int?> Interpolate = new Option<int?>("--interpolate") { Description = "Write a GIF that walks the latent space, STEPS frames between random points" }
        .AtLeast(2, " steps");
    private static readonly Option<long?> Seed = new("--seed") { Description = "Random seed for the noise (default: a new one, printed)" };
    private static readonly Option<int?> Category = new("--category")
    {
        Description = "Only this category of the generator's code (recipes with a code; with the conditional recipe category K is digit K); " +
            "the same --seed gives the same noise in every category",
    };

    public static Command Create()
    {
        var command = new Command("generate", "Write new digits from a trained generator.\n" +
            "Examples: dcgan generate --run runs/mnist --out digits.png --count 64\n" +
            "          dcgan generate --run runs/mnist --out samples.idx.gz --format idx --count 10000\n" +
            "          dcgan generate --run runs/mnist --out walk.gif --interpolate 24")
        {
            Output, Count, Columns, Format, Interpolate, Seed, Category, Model,
        };
        Source.AddTo(command);
        Sampling.AddTo(command);
        command.Validators.Add(result =>
        {
            if (Source.Given(result) == (result.GetResult(Model) is not null))
            {
                result.AddError("Name the generator: --run DIR, --checkpoint FILE or --model FILE.onnx (one of them).");
            }
            if (result.GetResult(Interpolate) is not null && result.GetValue(Format) == "idx")
            {
                result.AddError("--interpolate writes a GIF; it does not combine with --format idx.");
            }
        });
        command.SetAction(parsed => UserErrors.Run(parsed, () => Generate(parsed)));
        return command;
    }

    /// <summary>Draws from the generator named (a checkpoint's, or an ONNX file's) and writes what was asked.</summary>
    private static int Generate(ParseResult parsed)
    {
        string outPath = parsed.GetValue(Output)!.FullName;
        int n = parsed.GetValue(Count);
        int columns = parsed.GetValue(Columns) ?? ImageGrid.SquareColumns(n);
        long seed = parsed.GetValue(Seed) ?? Random.Shared.NextInt64(0, int.MaxValue);

        using var onnx = parsed.GetValue(Model) is { } file ? Export.Onnx.OnnxGenerator.Load(file.FullName) : null;
        using var restored = onnx is null ? Source.Load(parsed) : null;
        var generator = restored is null ? null : Sampling.Generator(parsed, restored);
        // Batch-norm statistics set once for every image drawn (precise ones are estimated once).
        using var statistics = restored is null ? null : SamplingStatistics.Enter(generator!, Sampling.BatchNorm(parsed, restored));
        Func<Tensor, Tensor> draw = onnx is not null ? onnx.Generate : noise => Sampler.GenerateAsIs(generator!, noise);
        var latent = onnx?.Latent ?? generator!.Latent;
        if (parsed.GetValue(Category) is { } only)
        {
            latent = latent.InCategory(only);
        }
        string from = onnx is not null ? parsed.GetValue(Model)!.Name : $"epoch {restored!.Epoch}";

        if (parsed.GetValue(Interpolate) is { } steps)
        {
            const int keyframes = 4;
            WriteWalk(draw, latent, n, keyframes, steps, seed, columns, outPath);
            Console.WriteLine($"Wrote a {keyframes * steps}-frame walk through {keyframes} random points for {n} digits ({from}, seed {seed}) to {outPath}");
            return 0;
        }
        using var samples = Sampler.Sample(draw, latent, n, seed);
        if (parsed.GetValue(Format) == "idx")
        {
            IdxFile.WriteImages(outPath, Sampler.ToImageSet(samples));
        }
        else
        {
            ImageGrid.SavePng(samples, outPath, columns);
        }
        string inCategory = latent.FixedCategory is { } c ? $", category {c}" : "";
        Console.WriteLine($"Wrote {n} digits from {from} (seed {seed}{inCategory}) to {outPath}");
        return 0;
    }

    /// <summary>A GIF of <paramref name="n"/> digits walking through <paramref name="keyframes"/> random points.</summary>
    private static void WriteWalk(Func<Tensor, Tensor> draw, Latent latent, int n, int keyframes, int steps, long seed, int columns, string path)
    {
        var frames = Sampler.Interpolate(draw, latent, n, keyframes, steps, seed).Select(images =>
        {
            using (images)
            {
                return ImageGrid.Render(images, columns);
            }
        });
        AnimatedGif.Write(path, frames, delay: 8);
    }
}
