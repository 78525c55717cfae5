using Dcgan.Data;
using Dcgan.Export.Onnx;
using Dcgan.Generation;
using Dcgan.Models;
using Dcgan.Training;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using TorchSharp;
using Tensor = TorchSharp.torch.Tensor;

namespace Dcgan.Tests;

/// <summary>The exported generator, run by ONNX Runtime (a real runtime, not our own reading of the file).</summary>
public class OnnxTests
{
    private static float[] RunOnnx(string path, Tensor noise, int channels = 1, int size = 28)
    {
        using var session = new InferenceSession(path);
        var input = new DenseTensor<float>(noise.data<float>().ToArray(), [(int)noise.shape[0], (int)noise.shape[1]]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(OnnxExport.Input, input)]);
        var output = results.Single(r => r.Name == OnnxExport.Output).AsTensor<float>();
        Assert.Equal(new[] { (int)noise.shape[0], channels, size, size }, output.Dimensions.ToArray());
        return [.. output];
    }

    [Theory]
    [InlineData(1, BatchNormMode.Moving)]
    [InlineData(37, BatchNormMode.Moving)]
    [InlineData(37, BatchNormMode.Precise)]
    public void Onnx_runtime_draws_the_generators_digits(int batch, BatchNormMode batchNorm)
    {
        using var dir = new TempFolder();
        torch.manual_seed(3);
        using var gan = new Gan();
        using (var images = Fixtures.Images(16).ToTensor())
        {
            gan.TrainStep(images); // moving statistics that are not the initial ones
            gan.TrainStep(images);
        }
        string path = dir.File("generator.onnx");
        OnnxExport.WriteGenerator(gan.Generator, batchNorm, path, OnnxExport.Metadata("tutorial", 3, "abc", "raw", batchNorm));
        using var noise = torch.randn(batch, 100) * 3; // far into tanh's range: outputs of all sizes

        using var expected = Sampler.Generate(gan.Generator, noise, batchNorm);
        float[] actual = RunOnnx(path, noise);

        float[] want = expected.data<float>().ToArray();
        double error = want.Zip(actual).Max(p => Math.Abs(p.First - p.Second));
        Assert.True(error <= 1e-4, $"max difference {error:E2}");
        Assert.True(want.Max(Math.Abs) > 0.05f, $"non-trivial images (largest {want.Max(Math.Abs)})");
    }

    [Theory]
    [InlineData(3, 32, false)]
    [InlineData(3, 64, true)]
    [InlineData(1, 16, true)]
    public void Onnx_runtime_draws_the_paper_generators_images_in_colour(int channels, int size, bool classBatchNorm)
    {
        using var dir = new TempFolder();
        torch.manual_seed(4);
        var shape = new Models.ImageShape(channels, size);
        using var generator = Models.Generator.For(shape, 16, classBatchNorm ? new Models.Latent(4) : null, classBatchNorm);
        using (torch.no_grad())
        {
            foreach (var p in generator.named_parameters().Where(p => p.name.Contains("modulations", StringComparison.Ordinal)))
            {
                p.parameter.normal_(0, 0.3); // class modulations that do something
            }
            generator.parameters().Where(p => p.dim() == 4).Last().mul_(30); // images beyond N(0, 0.02)'s faint start
            for (int i = 0; i < 3; i++)
            {
                using var warm = generator.call(generator.Latent.Draw(32)); // moving statistics that are not the initial ones
            }
        }
        string path = dir.File("colour.onnx");
        OnnxExport.WriteGenerator(generator, BatchNormMode.Moving, path, OnnxExport.Metadata("dcgan", 1, "abc", "raw", BatchNormMode.Moving));
        using var noise = generator.Latent.Draw(5);

        using var expected = Sampler.Generate(generator, noise, BatchNormMode.Moving);
        float[] actual = RunOnnx(path, noise, channels, size);
        using var loaded = OnnxGenerator.Load(path);

        float[] want = expected.data<float>().ToArray();
        double error = want.Zip(actual).Max(p => Math.Abs(p.First - p.Second));
        Assert.True(error <= 1e-4, $"max difference {error:E2}");
        Assert.True(want.Max(Math.Abs) > 0.05f, $"non-trivial images (largest {want.Max(Math.Abs)})");
        Assert.Equal(shape, loaded.Shape);
        using var again = loaded.Generate(noise);
        Assert.Equal(expected.shape, again.shape);
    }

    [Fact]
    public void The_model_carries_its_metadata_and_uses_standard_operators_only()
    {
        using var dir = new TempFolder();
        using var generator = Models.Generator.Tutorial();
        string path = dir.File("g.onnx");

        OnnxExport.WriteGenerator(generator, BatchNormMode.Moving, path, OnnxExport.Metadata("dcgan-ema", 50, "0123", "ema", BatchNormMode.Moving));

        using var session = new InferenceSession(path);
        var metadata = session.ModelMetadata.CustomMetadataMap;
        Assert.Equal(("dcgan-ema", "50", "0123", "ema"), (metadata["recipe"], metadata["epoch"], metadata["checkpoint_sha256"], metadata["weights"]));
        Assert.Equal("0", metadata[OnnxExport.CodeCategoriesKey]);
        var model = Export.Onnx.Proto.ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        Assert.Equal(["BatchNormalization", "ConvTranspose", "Gemm", "LeakyRelu", "Reshape", "Tanh"], model.Graph.Node.Select(n => n.OpType).Distinct().Order());
        Assert.Equal(OnnxExport.Opset, model.OpsetImport.Single().Version);
        Assert.All(model.Graph.Node, n => Assert.False(string.IsNullOrEmpty(n.DocString)));
    }

    [Fact]
    public void Batch_statistics_cannot_be_exported()
    {
        using var dir = new TempFolder();
        using var generator = Models.Generator.Tutorial();

        var e = Assert.Throws<ArgumentException>(() => OnnxExport.WriteGenerator(generator, BatchNormMode.Batch, dir.File("g.onnx"), new Dictionary<string, string>()));

        Assert.Contains("moving or precise", e.Message);
        Assert.False(File.Exists(dir.File("g.onnx")));
    }

    [Fact]
    public void A_file_that_is_not_onnx_or_a_model_of_other_shapes_is_refused_in_one_line()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("notes.onnx"), "not a model");
        // A valid ONNX model of the wrong shape: Identity on [N, 5].
        var graph = new Export.Onnx.Proto.GraphProto { Name = "identity" };
        graph.Node.Add(new Export.Onnx.Proto.NodeProto { OpType = "Identity", Input = { "x" }, Output = { "y" } });
        graph.Input.Add(Value("x"));
        graph.Output.Add(Value("y"));
        var identity = new Export.Onnx.Proto.ModelProto { IrVersion = 8, Graph = graph, OpsetImport = { new Export.Onnx.Proto.OperatorSetIdProto { Version = 17 } } };
        File.WriteAllBytes(dir.File("identity.onnx"), Google.Protobuf.MessageExtensions.ToByteArray(identity));

        var text = Assert.Throws<InvalidDataException>(() => OnnxGenerator.Load(dir.File("notes.onnx")));
        var shapes = Assert.Throws<InvalidDataException>(() => OnnxGenerator.Load(dir.File("identity.onnx")));

        Assert.Contains("is not an ONNX model", text.Message);
        Assert.Contains("takes x [-1, 5]; a generator takes float noise [N, 100] and gives images [N, C, S, S] (1 or 3 channels, a side the models make, such as [N, 1, 28, 28])", shapes.Message);
        Assert.DoesNotContain('\n', text.Message + shapes.Message);

        static Export.Onnx.Proto.ValueInfoProto Value(string name) => new()
        {
            Name = name,
            Type = new Export.Onnx.Proto.TypeProto
            {
                TensorType = new Export.Onnx.Proto.TypeProto.Types.Tensor
                {
                    ElemType = 1,
                    Shape = new Export.Onnx.Proto.TensorShapeProto
                    {
                        Dim = { new Export.Onnx.Proto.TensorShapeProto.Types.Dimension { DimParam = "N" }, new Export.Onnx.Proto.TensorShapeProto.Types.Dimension { DimValue = 5 } },
                    },
                },
            },
        };
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10)] // the ONNX model's metadata says that its input starts with a category, and generate draws one
    public void Exported_and_generated_from_onnx_the_digits_are_the_checkpoints_to_a_gray_level(int codeCategories)
    {
        using var dir = new TempFolder();
        string data = Fixtures.TinyDataset(dir, 32), run = dir.File("run"), recipe = dir.File("recipe.json");
        File.WriteAllText(recipe, (Recipe.Named("improved") with { Name = "mine", CodeCategories = codeCategories }).ToJson());
        Assert.Equal(0, DcganProcess.Run([], "train", "--images", data, "--epochs", "1", "--batch-size", "16", "--out", run, "--seed", "2", "--recipe", recipe, "--skip-self-check").ExitCode);

        var export = DcganProcess.Run([], "export", "--run", run, "--format", "onnx", "--out", dir.File("exported"));
        var fromOnnx = DcganProcess.Run([], "generate", "--model", dir.File("exported/generator.onnx"), "--out", dir.File("onnx.idx"), "--format", "idx", "--count", "64", "--seed", "4");
        var fromCheckpoint = DcganProcess.Run([], "generate", "--run", run, "--out", dir.File("checkpoint.idx"), "--format", "idx", "--count", "64", "--seed", "4");

        Assert.True(export.ExitCode == 0, export.Err);
        Assert.Contains("(ema weights, precise batch-norm statistics)", export.Out); // the recipe's way of sampling
        Assert.True(fromOnnx.ExitCode == 0 && fromCheckpoint.ExitCode == 0, fromOnnx.Err + fromCheckpoint.Err);
        // Two runtimes' float32 kernels round differently on some CPUs, so a gray level may be off by one where a value
        // falls near a rounding boundary; from other noise, nearly every pixel would differ by far more.
        byte[] expected = IdxFile.ReadImages(dir.File("checkpoint.idx")).CopyPixels(), actual = IdxFile.ReadImages(dir.File("onnx.idx")).CopyPixels();
        var differences = expected.Zip(actual, (e, a) => Math.Abs(e - a)).ToArray();
        Assert.True(differences.Max() <= 1 && differences.Count(d => d > 0) <= expected.Length / 100,
            $"{differences.Count(d => d > 0)} of {expected.Length} gray levels differ, by up to {differences.Max()}");
        Assert.True(expected.Max() - expected.Min() > 100, "non-trivial images");
        using var onnx = OnnxGenerator.Load(dir.File("exported/generator.onnx"));
        Assert.Equal(new Models.Latent(codeCategories), onnx.Latent);

        var oneCategory = DcganProcess.Run([], "generate", "--model", dir.File("exported/generator.onnx"), "--out", dir.File("three.png"), "--category", "3", "--seed", "4");
        if (codeCategories == 0)
        {
            Assert.Equal((1, "dcgan: error: this generator was trained without a categorical code; leave out the category."), (oneCategory.ExitCode, oneCategory.Err.TrimEnd()));
        }
        else
        {
            Assert.Equal(0, oneCategory.ExitCode);
            Assert.EndsWith("(seed 4, category 3) to " + dir.File("three.png"), oneCategory.Out.TrimEnd());
        }
    }

    [Theory]
    [InlineData(1, 28)]
    [InlineData(3, 16)]
    public void The_sample_app_draws_a_grid_from_an_exported_model_without_torchsharp(int channels, int side)
    {
        using var dir = new TempFolder();
        torch.manual_seed(6);
        using var generator = Models.Generator.For(new Models.ImageShape(channels, side), width: 8);
        OnnxExport.WriteGenerator(generator, BatchNormMode.Moving, dir.File("g.onnx"), new Dictionary<string, string>());
        // The sample is built beside the tests (a project reference without its assembly), in the same configuration.
        string testOutput = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
        string framework = Path.GetFileName(testOutput), configuration = Path.GetFileName(Path.GetDirectoryName(testOutput))!;
        string sample = Path.GetFullPath(Path.Combine(testOutput, "../../../../../samples/OnnxDigits/bin", configuration, framework));

        var start = new System.Diagnostics.ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { Path.Combine(sample, "OnnxDigits.dll"), dir.File("g.onnx"), dir.File("grid.png"), "9", "3" })
        {
            start.ArgumentList.Add(a);
        }
        using var process = System.Diagnostics.Process.Start(start)!;
        string err = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(60_000), "the sample did not finish");

        Assert.True(process.ExitCode == 0, err);
        Assert.False(File.Exists(Path.Combine(sample, "TorchSharp.dll")), "the sample must not need TorchSharp");
        using var grid = SixLabors.ImageSharp.Image.Load<SixLabors.ImageSharp.PixelFormats.Rgb24>(dir.File("grid.png"));
        Assert.Equal((3 * side, 3 * side), (grid.Width, grid.Height)); // 9 images: 3 x 3 tiles
        bool anyColour = false;
        grid.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                anyColour |= rows.GetRowSpan(y).ToArray().Any(p => p.R != p.G || p.G != p.B);
            }
        });
        Assert.Equal(channels == 3, anyColour); // an untrained colour generator's channels differ everywhere
    }
}
