using System.CommandLine;
using Dcgan.Data;
using Dcgan.Generation;
using Dcgan.Imaging;
using Dcgan.IO;

namespace Dcgan.Cli;

/// <summary>dcgan generate: restore a checkpoint, as the tutorial's checkpoint.restore(tf.train.latest_checkpoint(...)),
/// and draw new digits: a grid PNG, the raw samples as IDX, or a walk through the latent space as a GIF.</summary>
internal static class GenerateCommand
{
    private static readonly CheckpointOptions Source = new(required: false);
    private static readonly SamplingOptions Sampling = new();
    private static readonly Option<FileInfo> Model = new("--model") { Description = "An ONNX generator ('dcgan export --format onnx') instead of --run or --checkpoint" };
    private static readonly Option<FileInfo> Output = new("--out")
    {
        Description = "The file to write (.png, .idx/.gz with --format idx, .gif with --interpolate), or a new or empty folder (a path ending in /) for one PNG file per image, as tools that compute FID read them",
        Required = true,
    };
    private static readonly Option<int> Count = new Option<int>("--count") { Description = "How many digits", DefaultValueFactory = _ => 16 }.AtLeast(1)
        .AtMost(Limits.MaxSamples, "100,000 digits are 310 MB to hold");
    private static readonly Option<int?> Columns = new Option<int?>("--columns") { Description = "Digits per row of the grid (default: a square)" }.AtLeast(1)
        .AtMost(Limits.MaxColumns, "a row of more is no picture to look at");
    private static readonly Option<string> Format = new Option<string>("--format")
    {
        Description = "png: a grid; idx: the samples as an IDX ubyte file (gray: N x rows x columns; colour: N x rows x columns x 3, channels last)",
        DefaultValueFactory = _ => "png",
    }.OneOf("png", "idx");
    private static readonly Option<int?> Interpolate = new Option<int?>("--interpolate") { Description = "Write a GIF that walks the latent space, STEPS frames between random points" }
        .AtLeast(2, " steps").AtMost(Limits.MaxWalkSteps, "a walk of more frames is no animation to watch");
    private static readonly Option<long?> Seed = new("--seed") { Description = "Random seed for the noise (default: a new one, printed)" };
    private static readonly Option<string?> Category = new("--category")
    {
        Description = "Only this category of the generator's code, by number or by class name (recipes with a code; with the conditional " +
            "recipe category K is digit K, or the K-th class folder of your images); the same --seed gives the same noise in every category",
    };

    public static Command Create()
    {
        var command = new Command("generate", "Write new images from a trained generator.\n" +
            "Examples: dcgan generate --run runs/mnist --out digits.png --count 64\n" +
            "          dcgan generate --run runs/mnist --out samples.idx.gz --format idx --count 10000\n" +
            "          dcgan generate --run runs/mnist --out samples/ --count 10000   (one PNG per image, for FID tools)\n" +
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
            if (SizeProblem(result) is { } tooLarge)
            {
                result.AddError(tooLarge);
            }
        });
        command.SetAction(parsed => UserErrors.Run(parsed, () => Generate(parsed)));
        return command;
    }

    /// <summary>What the pictures asked for would cost beyond their limits (Sizes), or null: a grid of more than
    /// <see cref="Limits.MaxGridDigits"/> digits, or a walk of more digit-frames than <see cref="Limits.MaxWalkDigitFrames"/>.</summary>
    private static string? SizeProblem(System.CommandLine.Parsing.CommandResult result)
    {
        if (new System.CommandLine.Option[] { Count, Interpolate, Format }.Any(o => (result.GetResult(o)?.Errors.Any() ?? false) || Unparsed(result, o)))
        {
            return null; // the option's own check says what is wrong with it
        }
        int count = result.GetValue(Count);
        if (result.GetValue(Interpolate) is { } steps)
        {
            long digitFrames = (long)count * Drawing.WalkKeyframes * steps;
            return digitFrames > Limits.MaxWalkDigitFrames
                ? $"a walk of {count} digits in {Drawing.WalkKeyframes * steps} frames is {digitFrames} digit-frames, held in memory while the GIF is made; " +
                  $"at most {Limits.MaxWalkDigitFrames}: lower --count or --interpolate."
                : null;
        }
        return (result.GetValue(Format) ?? "png") == "png" && count > Limits.MaxGridDigits && !IsFolder(result.GetValue(Output))
            ? $"a PNG grid holds at most {Limits.MaxGridDigits} digits (got --count {count}); for more, write them with --format idx."
            : null;
    }

    /// <summary>Whether --out names a folder (a path ending in a separator, or a folder that exists): one PNG per image.</summary>
    private static bool IsFolder(FileInfo? output) =>
        output is not null && (output.ToString().EndsWith('/') || output.ToString().EndsWith(Path.DirectorySeparatorChar) || Directory.Exists(output.FullName));

    /// <summary>Whether an option was given a value that does not convert (reading it would throw).</summary>
    private static bool Unparsed(System.CommandLine.Parsing.CommandResult result, System.CommandLine.Option option) =>
        result.GetResult(option) is { Tokens: [.., var last] } && option.ValueType != typeof(string)
        && !long.TryParse(last.Value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out _);

    /// <summary>The folder --out names for one PNG per image: new, or empty, so that it holds those files and nothing
    /// else (what FID tools read as one set).</summary>
    private static string EmptyFolder(string path)
    {
        path = Path.TrimEndingDirectorySeparator(path);
        if (Directory.Exists(path) && Directory.EnumerateFileSystemEntries(path).Any())
        {
            throw new IOException($"{path} is not empty; name a new or empty folder: the PNG files go into it and nothing else, as FID tools read a folder as one set.");
        }
        return OutputPath.CheckFolder(path, "--out");
    }

    /// <summary>Draws from the generator named (a checkpoint's, or an ONNX file's) and writes what was asked.</summary>
    private static int Generate(ParseResult parsed)
    {
        string? model = parsed.GetValue(Model)?.FullName;
        string? checkpoint = model is null ? Source.PathOf(parsed) : null;
        bool toFolder = IsFolder(parsed.GetValue(Output)) && parsed.GetValue(Format) == "png" && parsed.GetValue(Interpolate) is null;
        string outPath = toFolder ? EmptyFolder(parsed.GetValue(Output)!.FullName) : OutputPath.CheckFile(parsed.GetValue(Output)!.FullName, "--out", checkpoint, model);
        int n = parsed.GetValue(Count);
        int columns = parsed.GetValue(Columns) ?? ImageGrid.SquareColumns(n);
        long seed = parsed.GetValue(Seed) ?? Random.Shared.NextInt64(0, int.MaxValue);

        using var onnx = model is not null ? Export.Onnx.OnnxGenerator.Load(model) : null;
        using var restored = checkpoint is not null ? Training.Checkpoint.LoadModels(checkpoint) : null;
        // The category is checked before a drawing re-estimates batch-norm statistics (seconds of work).
        var latent = onnx?.Latent ?? restored!.Generator.Latent;
        int? category = parsed.GetValue(Category) is { } named ? latent.CategoryOf(named) : null;
        using var drawing = onnx is not null
            ? Drawing.From(onnx.Generate, onnx.Latent)
            : Drawing.From(restored!, Sampling.Weights(parsed), Sampling.BatchNormGiven(parsed));
        string from = onnx is not null ? Path.GetFileName(model)! : $"epoch {restored!.Epoch}";

        if (parsed.GetValue(Interpolate) is { } steps)
        {
            drawing.SaveWalkGif(outPath, category, n, steps, seed, columns);
            Console.WriteLine($"Wrote a {Drawing.WalkKeyframes * steps}-frame walk through {Drawing.WalkKeyframes} random points for {n} digits ({from}, seed {seed}) to {outPath}");
            return 0;
        }
        if (parsed.GetValue(Format) == "idx" || toFolder)
        {
            using var samples = drawing.Sample(category, n, seed);
            using var images = Sampler.ToImageSet(samples);
            if (toFolder)
            {
                ImageFiles.SavePngs(images, outPath);
            }
            else
            {
                IdxFile.WriteImages(outPath, images);
            }
        }
        else
        {
            drawing.SaveGridPng(outPath, category, n, seed, columns);
        }
        string inCategory = category is { } c ? $", category {drawing.Latent.Describe(c)}" : "";
        Console.WriteLine($"Wrote {n} images from {from} (seed {seed}{inCategory}) to {outPath}");
        return 0;
    }
}
