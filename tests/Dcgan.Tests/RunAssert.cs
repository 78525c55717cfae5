using Dcgan.Diagnostics;
using Dcgan.IO;
using Dcgan.Performance;
using Dcgan.Runs;
using Dcgan.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Dcgan.Tests;

/// <summary>Comparisons of whole runs.</summary>
internal static class RunAssert
{
    /// <summary>Every tensor of the final checkpoint's models, optimizer moments included (via a step).</summary>
    private static Dictionary<string, Tensor> FinalWeights(RunFolder run)
    {
        using var gan = new Gan();
        using var _ = Checkpoint.Load(run.LatestCheckpoint()!, gan);
        var all = new Dictionary<string, Tensor>();
        foreach (var (name, t) in gan.Generator.state_dict()) all["G." + name] = t.clone();
        foreach (var (name, t) in gan.Discriminator.state_dict()) all["D." + name] = t.clone();
        // The optimizers' state must match too: one more identically seeded step shows it.
        torch.manual_seed(5);
        using var batch = Fixtures.Images(16).ToTensor();
        gan.TrainStep(batch);
        foreach (var (name, t) in gan.Generator.state_dict()) all["G+1." + name] = t.clone();
        return all;
    }

    public static void SameFinalWeights(RunFolder expected, RunFolder actual)
    {
        var a = FinalWeights(expected);
        var b = FinalWeights(actual);
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        foreach (var (name, tensor) in a)
        {
            Assert.True(Fixtures.Identical(tensor, b[name]), $"{name} differs");
        }
    }
}
