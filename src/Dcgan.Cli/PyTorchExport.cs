using Dcgan.Export;
using Dcgan.Training;
using static TorchSharp.torch;

namespace Dcgan.Cli;

/// <summary>
/// The trained models as PyTorch state dicts: the tensor names are those of the equivalent PyTorch modules
/// (docs/pytorch.md defines them): our Generator and Discriminator keep their layers in a Sequential called
/// "layers", so "layers.bn1.weight" here is "bn1.weight" there; everything else (the TF-'same' wrappers' inner
/// "conv", batch norm's running statistics and num_batches_tracked) is named as torch names it.
/// </summary>
internal static class PyTorchExport
{
    private const string Prefix = "layers.";

    /// <summary>The files <see cref="WriteSafeTensors"/> writes into its folder.</summary>
    public const string GeneratorFile = "generator.safetensors", DiscriminatorFile = "discriminator.safetensors";

    public static Dictionary<string, Tensor> StateDict(nn.Module model) =>
        model.state_dict().ToDictionary(p => p.Key.StartsWith(Prefix, StringComparison.Ordinal) ? p.Key[Prefix.Length..] : p.Key, p => p.Value);

    /// <summary>Writes generator.safetensors and discriminator.safetensors into <paramref name="folder"/>.</summary>
    /// <remarks>The generator written is <paramref name="generator"/>: the raw or the averaged weights.</remarks>
    public static (string Generator, string Discriminator) WriteSafeTensors(TrainedModels models, Models.Generator generator, string folder)
    {
        Directory.CreateDirectory(folder);
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "pt",
            ["producer"] = "dcgan (.NET)",
            ["epoch"] = models.Epoch.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["recipe"] = models.Recipe.Name,
            ["module"] = "see docs/pytorch.md",
            // The shape the models take and make, with ONNX's keys: what a reader needs to rebuild the paper's layers.
            [Export.Onnx.OnnxExport.ChannelsKey] = generator.Shape.Channels.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [Export.Onnx.OnnxExport.SizeKey] = generator.Shape.Size.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["models"] = models.Recipe.Models == ModelFamily.Paper ? $"paper, width {models.Recipe.Width}" : "tutorial",
        };
        metadata["weights"] = generator == models.AverageGenerator ? "ema" : "raw";
        string generatorPath = Path.Combine(folder, GeneratorFile);
        string discriminatorPath = Path.Combine(folder, DiscriminatorFile);
        SafeTensors.Write(generatorPath, StateDict(generator), metadata);
        SafeTensors.Write(discriminatorPath, StateDict(models.Discriminator), metadata);
        return (generatorPath, discriminatorPath);
    }
}
