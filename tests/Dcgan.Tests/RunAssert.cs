using Dcgan.Runs;
using Dcgan.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Dcgan.Tests;

/// <summary>Comparisons of whole runs.</summary>
internal static class RunAssert
{
    /// <summary>Every tensor of the final checkpoint's models and both optimizers' states (each parameter's step
    /// count and Adam moments).</summary>
    private static Dictionary<string, Tensor> FinalWeights(RunFolder run)
    {
        string path = run.LatestCheckpoint()!;
        using var gan = new Gan(Checkpoint.ReadRecipe(path));
        using var _ = Checkpoint.Load(path, gan);
        var all = new Dictionary<string, Tensor>();
        foreach (var (name, t) in gan.Generator.state_dict()) all["G." + name] = t.clone();
        foreach (var (name, t) in gan.Discriminator.state_dict()) all["D." + name] = t.clone();
        foreach (var (name, t) in gan.AverageGenerator?.state_dict() ?? []) all["EMA." + name] = t.clone();
        foreach (var (name, t) in gan.CodeHead?.state_dict() ?? []) all["Q." + name] = t.clone();
        AddStates(all, "G.adam.", gan.GeneratorOptimizer.Torch);
        AddStates(all, "D.adam.", gan.DiscriminatorOptimizer.Torch);
        return all;
    }

    private static void AddStates(Dictionary<string, Tensor> all, string prefix, TorchSharp.Modules.Adam optimizer)
    {
        var states = optimizer.state_dict().State.Cast<TorchSharp.Modules.Adam.State>().ToList();
        Assert.NotEmpty(states);
        for (int i = 0; i < states.Count; i++)
        {
            all[$"{prefix}{i}.step"] = torch.tensor(states[i].step);
            all[$"{prefix}{i}.exp_avg"] = states[i].exp_avg.clone();
            all[$"{prefix}{i}.exp_avg_sq"] = states[i].exp_avg_sq.clone();
        }
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
