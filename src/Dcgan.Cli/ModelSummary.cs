using System.Globalization;
using System.Text;
using Dcgan.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Generator = Dcgan.Models.Generator;

namespace Dcgan.Cli;

/// <summary>Keras's model.summary() for this tool's models: each layer's output shape (channels first, without the
/// batch) and parameters, and the totals.</summary>
internal static class ModelSummary
{
    /// <summary>The generator's table.</summary>
    public static string Of(Generator generator)
    {
        using var noise = torch.zeros(2, Generator.NoiseDim);
        return Table($"Generator ({Family(generator.Shape)})", generator, generator.Layers, noise);
    }

    /// <summary>The discriminator's table.</summary>
    public static string Of(Discriminator discriminator)
    {
        var shape = discriminator.Shape;
        using var images = torch.zeros(2, shape.Channels, shape.Size, shape.Size);
        return Table($"Discriminator ({Family(shape)})", discriminator, discriminator.Layers, images);
    }

    private static string Family(ImageShape shape) =>
        $"{(shape.IsTutorial ? "the tutorial's" : "the DCGAN paper's")}, {shape.Describe()}";

    private static string Table(string title, nn.Module model, Sequential layers, Tensor input)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder().AppendLine(title);
        text.AppendLine(c, $"  {"Layer",-10} {"Kind",-24} {"Output shape",-16} {"Params",12}");
        bool training = model.training;
        model.eval();
        long listed = 0;
        using (torch.no_grad())
        using (torch.NewDisposeScope())
        {
            var x = input;
            foreach (var (name, layer) in layers.named_children())
            {
                x = ((nn.Module<Tensor, Tensor>)layer).call(x);
                long count = layer.parameters().Sum(p => p.numel());
                listed += count;
                string shape = $"({string.Join(", ", x.shape.Skip(1))})";
                text.AppendLine(c, $"  {name,-10} {layer.GetType().Name,-24} {shape,-16} {count,12:N0}");
            }
        }
        model.train(training);
        long total = model.parameters().Sum(p => p.numel());
        if (total > listed)
        {
            text.AppendLine(c, $"  {"(others)",-10} {"class modulations",-24} {"",-16} {total - listed,12:N0}");
        }
        return text.Append(c, $"  Total params: {total:N0}").ToString();
    }
}
