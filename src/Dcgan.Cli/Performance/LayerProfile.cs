using System.Diagnostics;
using Dcgan.Generation;
using Dcgan.Imaging;
using Dcgan.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dcgan.Cli.Performance;

/// <summary>One row of a profile: a piece of the train step and its median milliseconds.</summary>
internal sealed record ProfileRow(string Part, double ForwardMs, double BackwardMs);

/// <summary>
/// Where a train step's time goes: each layer's forward and backward at the shapes the step gives it (the
/// discriminator's for real and fake batches together, since it sees both), the optimizers, drawing a batch, and
/// saving a grid. Each piece is timed alone, so the sum is close to, not exactly, a whole step.
/// </summary>
internal static class LayerProfile
{
    /// <summary>The profile of <paramref name="recipe"/>'s step (its models at its shape, batch size and precision).</summary>
    public static IReadOnlyList<ProfileRow> Run(Recipe recipe, int repeats = 5)
    {
        // Weights, inputs and steps draw from a generator of the profile's own; the layers timed one by one draw their
        // dropout from torch's global generator, which is this process's (the command line's), not a user's program's.
        using var random = new torch.Generator(0);
        int batchSize = recipe.BatchSize;
        var shape = recipe.Shape;
        using var gan = new Gan(recipe, random);
        var rows = new List<ProfileRow>();
        using (var noise = torch.randn(batchSize, Models.Generator.NoiseDim, generator: random))
        {
            Layers("G.", gan.Generator.Layers, noise, repeats, rows, backwardInput: false);
        }
        using (var images = Benchmark.UniformImages(2 * batchSize, shape, random))
        {
            Layers("D.", gan.Discriminator.Layers, images, repeats, rows, backwardInput: true); // fakes need it
        }

        using var batchImages = Benchmark.UniformImages(batchSize, shape, random);
        gan.TrainStep(batchImages, null, random); // gradients and optimizer state in place
        rows.Add(new("Adam step, both models", Median(repeats, () =>
        {
            gan.GeneratorOptimizer.Step();
            gan.DiscriminatorOptimizer.Step();
        }), 0));
        // MNIST's 60,000 images, or as many of a larger shape as fit in 512 MiB of floats.
        int count = (int)Math.Min(Benchmark.MnistTrainImages, (512L << 20) / (sizeof(float) * (long)shape.Channels * shape.Size * shape.Size));
        using var data = torch.rand(count, shape.Channels, shape.Size, shape.Size, generator: random);
        using var shuffle = new torch.Generator(1);
        rows.Add(new("draw a shuffled batch", Median(repeats, () =>
        {
            using var order = torch.randperm(count, generator: shuffle);
            using var idx = order.narrow(0, 0, batchSize);
            using var batch = data.index_select(0, idx);
        }), 0));
        string png = Path.Combine(Path.GetTempPath(), $"dcgan-profile-{Environment.ProcessId}.png");
        using var fixedNoise = torch.randn(16, Models.Generator.NoiseDim, generator: random);
        rows.Add(new("grid PNG (generate 16, save)", Median(repeats, () =>
        {
            using var grid = Sampler.Generate(gan.Generator, fixedNoise);
            ImageGrid.SavePng(grid, png, 4);
        }), 0));
        File.Delete(png);
        return rows;
    }

    private static void Layers(string prefix, Sequential layers, Tensor input, int repeats, List<ProfileRow> rows, bool backwardInput)
    {
        var x = input;
        bool first = true;
        foreach (var (name, module) in layers.named_children())
        {
            var layer = (nn.Module<Tensor, Tensor>)module;
            using var scope = torch.NewDisposeScope();
            var layerInput = x.detach().requires_grad_(!first || backwardInput);
            double forward = Median(repeats, () =>
            {
                using var y = layer.call(layerInput);
            });
            var output = layer.call(layerInput);
            var gradOutput = torch.ones_like(output);
            var wrt = layer.parameters().Cast<Tensor>().ToList();
            if (layerInput.requires_grad)
            {
                wrt.Add(layerInput);
            }
            double backward = wrt.Count == 0 ? 0 : Median(repeats, () =>
            {
                using var inner = torch.NewDisposeScope();
                var y = layer.call(layerInput);
                torch.autograd.grad([y], wrt, [gradOutput]);
            }) - forward;
            rows.Add(new(prefix + name, forward, Math.Max(backward, 0)));
            x = output.detach().MoveToOuterDisposeScope();
            first = false;
        }
    }

    private static double Median(int repeats, Action action)
    {
        action(); // warm-up
        var times = new double[repeats];
        for (int i = 0; i < repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            action();
            times[i] = clock.Elapsed.TotalMilliseconds;
        }
        Array.Sort(times);
        return times[repeats / 2];
    }
}
