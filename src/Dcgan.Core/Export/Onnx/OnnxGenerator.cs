using Dcgan.IO;
using Dcgan.Models;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace Dcgan.Export.Onnx;

/// <summary>A generator in an ONNX file, run by ONNX Runtime: noise [N, 100] to images [N, C, S, S] (gray or colour,
/// of a size the models make), as <see cref="OnnxExport"/> writes it (or any model of those shapes).</summary>
public sealed class OnnxGenerator : IDisposable
{
    private readonly InferenceSession session;
    private readonly string input, output;

    private OnnxGenerator(InferenceSession session, string input, string output, ImageShape shape)
    {
        (this.session, this.input, this.output, Shape) = (session, input, output, shape);
        // Models written before codes, or by other tools, have no such entry: Gaussian noise.
        var metadata = session.ModelMetadata.CustomMetadataMap;
        Latent = metadata.TryGetValue(OnnxExport.CodeCategoriesKey, out string? value)
            && int.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out int categories) && categories > 0 && categories < Models.Generator.NoiseDim
                ? new Latent(categories) { Names = CategoryNames(metadata, categories) }
                : Latent.Gaussian;
    }

    /// <summary>The categories' names in the metadata, when there are as many as categories; null otherwise.</summary>
    private static string[]? CategoryNames(Dictionary<string, string> metadata, int categories)
    {
        try
        {
            return metadata.TryGetValue(OnnxExport.CategoryNamesKey, out string? json)
                && System.Text.Json.JsonSerializer.Deserialize<string[]>(json) is { } names && names.Length == categories && names.All(n => n is not null)
                    ? names
                    : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null; // written by another tool: the categories keep their numbers
        }
    }

    /// <summary>The images it makes.</summary>
    public ImageShape Shape { get; }

    /// <summary>What the model's input is drawn from, as its metadata says.</summary>
    public Latent Latent { get; }

    /// <summary>Loads and checks a model; a file that is not ONNX, or a model of other shapes, is an
    /// InvalidDataException that says what was expected.</summary>
    public static OnnxGenerator Load(string path)
    {
        InputFile.Require(path, "the .onnx file of a generator in it (generator.onnx, as this tool's ONNX export writes)",
            "name an .onnx file of a generator exported as ONNX by this tool (dcgan export).");
        InferenceSession session;
        try
        {
            OrtEnv.Instance().DisableTelemetryEvents(); // a sample generator has nothing to report to anyone
            session = new InferenceSession(path);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidDataException($"{path} is not an ONNX model ONNX Runtime can load ({e.Message.Split('\n')[0].Trim()}).", e);
        }
        var (inputName, inputMeta) = session.InputMetadata.Count == 1 ? session.InputMetadata.Single() : default;
        var (outputName, outputMeta) = session.OutputMetadata.Count == 1 ? session.OutputMetadata.Single() : default;
        if (inputMeta is null || outputMeta is null || inputMeta.ElementType != typeof(float) || outputMeta.ElementType != typeof(float)
            || !Fits(inputMeta.Dimensions, [100]) || ShapeOf(outputMeta.Dimensions) is not { } shape)
        {
            string shapes = string.Join(", ", session.InputMetadata.Select(i => $"{i.Key} [{string.Join(", ", i.Value.Dimensions)}]"));
            session.Dispose();
            throw new InvalidDataException(
                $"{path} takes {shapes}; a generator takes float noise [N, 100] and gives images [N, C, S, S] (1 or 3 channels, a side the models make, such as [N, 1, 28, 28]), as this tool's ONNX export writes.");
        }
        return new OnnxGenerator(session, inputName, outputName, shape);
    }

    /// <summary>The image shape of an output [N, C, S, S], when it is one the models make.</summary>
    private static ImageShape? ShapeOf(int[] dimensions) =>
        dimensions is [_, var channels, var rows, var columns] && rows == columns && new ImageShape(channels, rows) is var shape && shape.Problem() is null
            ? shape
            : null;

    /// <summary>[N, rest...] with N free (-1) or any size.</summary>
    private static bool Fits(int[] dimensions, int[] rest) => dimensions.Length == rest.Length + 1 && dimensions.Skip(1).SequenceEqual(rest);

    /// <summary>Images for <paramref name="noise"/> [N, 100]; the caller owns the result.</summary>
    public Tensor Generate(Tensor noise)
    {
        using var contiguous = noise.to(float32).contiguous();
        var values = new DenseTensor<float>(contiguous.data<float>().ToArray(), [(int)noise.shape[0], (int)noise.shape[1]]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(input, values)]);
        var images = results.Single(r => r.Name == output).AsTensor<float>();
        return torch.tensor(images.ToArray(), [noise.shape[0], Shape.Channels, Shape.Size, Shape.Size]);
    }

    public void Dispose() => session.Dispose();
}
