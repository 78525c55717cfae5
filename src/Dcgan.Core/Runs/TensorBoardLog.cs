using Dcgan.Training;
using TorchSharp;
using TorchSharp.Modules;

namespace Dcgan.Runs;

/// <summary>
/// Training as TensorBoard shows it (through TorchSharp's SummaryWriter): per step the losses, D(x) and D(G(z)) (and the augmentation's p);
/// per epoch the fixed-noise grid and the epoch's seconds. Step numbers count from the start of the run, so a
/// resumed run continues the curves.
/// </summary>
public sealed class TensorBoardLog(string folder) : IRunObserver
{
    private readonly SummaryWriter writer = torch.utils.tensorboard.SummaryWriter(folder);

    public string Folder => writer.LogDir;

    public void StepDone(StepReport report)
    {
        var s = report;
        int step = (s.Epoch - 1) * s.StepsPerEpoch + s.Step;
        writer.add_scalar("loss/generator", s.Losses.Generator, step);
        writer.add_scalar("loss/discriminator", s.Losses.Discriminator, step);
        writer.add_scalar("discriminator/real", s.Losses.RealScore, step);
        writer.add_scalar("discriminator/generated", s.Losses.FakeScore, step);
        if (s.Losses.AugmentP is { } p)
        {
            writer.add_scalar("augment/p", p, step);
        }
    }

    public void EpochDone(EpochResult result)
    {
        var r = result;
        writer.add_scalar("epoch/seconds", (float)r.Seconds, r.Epoch);
        writer.add_img("generated", r.ImagePath, r.Epoch);
    }
}
