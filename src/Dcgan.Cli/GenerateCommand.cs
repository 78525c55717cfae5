using System.CommandLine;
using Dcgan.Data;
using Dcgan.Generation;
using Dcgan.Imaging;
using Dcgan.Training;

namespace Dcgan.Cli;

/// <summary>dcgan generate: restore a checkpoint, as the tutorial's checkpoint.restore(tf.train.latest_checkpoint(...)),
/// and draw new digits: a grid PNG, the raw samples as IDX, or a walk through the latent space as a GIF.</summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var source = new CheckpointOptions(required: false);
        var model = new Option<FileInfo>("--model") { Description = "An ONNX generator ('dcgan export --format onnx') instead of --run or --checkpoint" };
        var sampling = new SamplingOptions();
        var output = new Option<FileInfo>("--out") { Description = "The file to write (.png, .idx/.gz with --format idx, .gif with --interpolate)", Required = true };
        var count = new Option<int>("--count") { Description = "How many digits", DefaultValueFactory = _ => 16 }.AtLeast(1);
        var columns = new Option<int?>("--columns") { Description = "Digits per row of the grid (default: a square)" }.AtLeast(1);
        var format = new Option<string>("--format") { Description = "png: a grid; idx: the samples as an IDX ubyte file (N x 28 x 28)", DefaultValueFactory = _ => "png" };
        format.OneOf("png", "idx");
        var interpolate = new Option<int?>("--interpolate") { Description = "Write a GIF that walks the latent space, STEPS frames between random points" }
            .AtLeast(2, " steps");
        var seed = new Option<long?>("--seed") { Description = "Random seed for the noise (default: a new one, printed)" };
        var category = new Option<int?>("--category")
        {
            Description = "Only this category of the generator's code (recipes with a code; with adam-b0-ema-b64-nodrop-r1-acgan category K is " +
                "digit K); the same --seed gives the same noise in every category",
        };

        var command = new Command("generate", "Write new digits from a trained generator.\n" +
            "Examples: dcgan generate --run runs/mnist --out digits.png --count 64\n" +
            "          dcgan generate --run runs/mnist --out samples.idx.gz --format idx --count 10000\n" +
            "          dcgan generate --run runs/mnist --out walk.gif --interpolate 24")
        {
            output, count, columns, format, interpolate, seed, category, model,
        };
        source.AddTo(command);
        sampling.AddTo(command);
        command.Validators.Add(result =>
        {
            if (source.Given(result) == (result.GetResult(model) is not null))
            {
                result.AddError("Name the generator: --run DIR, --checkpoint FILE or --model FILE.onnx (one of them).");
            }
            if (result.GetResult(interpolate) is not null && result.GetValue(format) == "idx")
            {
                result.AddError("--interpolate writes a GIF; it does not combine with --format idx.");
            }
        });
        command.SetAction(parsed => UserErrors.Run(() =>
        {
            string outPath = parsed.GetValue(output)!.FullName;
            int n = parsed.GetValue(count);
            int columnCount = parsed.GetValue(columns) ?? ImageGrid.SquareColumns(n);
            long noiseSeed = parsed.GetValue(seed) ?? Random.Shared.NextInt64(0, int.MaxValue);

            using var onnx = parsed.GetValue(model) is { } file ? Export.Onnx.OnnxGenerator.Load(file.FullName) : null;
            using var restored = onnx is null ? source.Load(parsed) : null;
            var generator = restored is null ? null : sampling.Generator(parsed, restored);
            // Batch-norm statistics set once for every image drawn (precise ones are estimated once).
            using var statistics = restored is null ? null : SamplingStatistics.Enter(generator!, sampling.BatchNorm(parsed, restored));
            Func<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor> draw = onnx is not null ? onnx.Generate : noise => Sampler.GenerateAsIs(generator!, noise);
            var latent = onnx?.Latent ?? generator!.Latent;
            if (parsed.GetValue(category) is { } only)
            {
                latent = latent.InCategory(only);
            }
            string from = onnx is not null ? parsed.GetValue(model)!.Name : $"epoch {restored!.Epoch}";
            if (parsed.GetValue(interpolate) is { } steps)
            {
                const int keyframes = 4;
                var frames = Sampler.Interpolate(draw, latent, n, keyframes, steps, noiseSeed).Select(images =>
                {
                    using (images)
                    {
                        return ImageGrid.Render(images, columnCount);
                    }
                });
                AnimatedGif.Write(outPath, frames, delay: 8);
                Console.WriteLine($"Wrote a {keyframes * steps}-frame walk through {keyframes} random points for {n} digits ({from}, seed {noiseSeed}) to {outPath}");
                return 0;
            }
            using var samples = Sampler.Sample(draw, latent, n, noiseSeed);
            if (parsed.GetValue(format) == "idx")
            {
                IdxFile.WriteImages(outPath, Sampler.ToImageSet(samples));
            }
            else
            {
                ImageGrid.SavePng(samples, outPath, columnCount);
            }
            string inCategory = latent.FixedCategory is { } c ? $", category {c}" : "";
            Console.WriteLine($"Wrote {n} digits from {from} (seed {noiseSeed}{inCategory}) to {outPath}");
            return 0;
        }));
        return command;
    }
}
