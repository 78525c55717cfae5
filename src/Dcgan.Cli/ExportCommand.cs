using System.CommandLine;
using Dcgan.Export.Onnx;
using Dcgan.IO;
using Dcgan.Training;

namespace Dcgan.Cli;

/// <summary>dcgan export: the trained weights in a portable format.</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var source = new CheckpointOptions();
        var sampling = new SamplingOptions();
        var format = new Option<string>("--format")
        {
            Description = "safetensors: both models' weights under PyTorch's names; onnx: generator.onnx, for ONNX Runtime (--bn sets its batch-norm statistics)",
            DefaultValueFactory = _ => "safetensors",
        };
        format.OneOf("safetensors", "onnx");
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for the exported files", Required = true };
        var command = new Command("export", "Write the trained models as safetensors with PyTorch's names (docs/pytorch.md), or the generator as ONNX.\n" +
            "Examples: dcgan export --run runs/mnist --format safetensors --out exported\n" +
            "          dcgan export --run runs/mnist --format onnx --out exported")
        {
            format, output,
        };
        source.AddTo(command);
        sampling.AddTo(command);
        command.SetAction(parsed => UserErrors.Run(parsed, () =>
        {
            string path = source.PathOf(parsed);
            string folder = OutputPath.CheckFolder(parsed.GetValue(output)!.FullName, "--out");
            string[] files = parsed.GetValue(format) == "onnx" ? ["generator.onnx"] : [PyTorchExport.GeneratorFile, PyTorchExport.DiscriminatorFile];
            Array.ForEach(files, f => OutputPath.CheckFile(Path.Combine(folder, f), "--out", path));
            using var restored = Checkpoint.LoadModels(path);
            var generator = sampling.Generator(parsed, restored);
            if (parsed.GetValue(format) == "onnx")
            {
                var batchNorm = sampling.BatchNorm(parsed, restored);
                string onnx = Path.Combine(folder, files[0]);
                string hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)));
                string weights = generator == restored.AverageGenerator ? "ema" : "raw";
                OnnxExport.WriteGenerator(generator, batchNorm, onnx, OnnxExport.Metadata(restored.Recipe.Name, restored.Epoch, hash, weights, batchNorm));
                Console.WriteLine($"Wrote the generator of epoch {restored.Epoch} ({weights} weights, {batchNorm.ToString().ToLowerInvariant()} batch-norm statistics) to {onnx}");
                return 0;
            }
            var (generatorPath, discriminatorPath) = PyTorchExport.WriteSafeTensors(restored, generator, folder);
            Console.WriteLine($"Wrote the models of epoch {restored.Epoch} to {generatorPath} and {discriminatorPath}");
            return 0;
        }));
        return command;
    }
}
