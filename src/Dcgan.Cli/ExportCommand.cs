using System.CommandLine;
using Dcgan.Export;
using Dcgan.Training;

namespace Dcgan.Cli;

/// <summary>dcgan export: the trained weights in a portable format.</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var source = new CheckpointOptions();
        var sampling = new SamplingOptions(withBatchNorm: false);
        var format = new Option<string>("--format") { Description = "The file format", DefaultValueFactory = _ => "safetensors" };
        format.OneOf("safetensors");
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for generator.safetensors and discriminator.safetensors", Required = true };
        var command = new Command("export", "Write the generator's and discriminator's weights under the names of the equivalent PyTorch modules (docs/pytorch.md).\n" +
            "Example: dcgan export --run runs/mnist --format safetensors --out exported")
        {
            format, output,
        };
        source.AddTo(command);
        sampling.AddTo(command);
        command.SetAction(parsed => UserErrors.Run(() =>
        {
            using var restored = source.Load(parsed);
            var (generator, discriminator) = PyTorchExport.WriteSafeTensors(restored, sampling.Generator(parsed, restored), parsed.GetValue(output)!.FullName);
            Console.WriteLine($"Wrote the models of epoch {restored.Epoch} to {generator} and {discriminator}");
            return 0;
        }));
        return command;
    }
}
