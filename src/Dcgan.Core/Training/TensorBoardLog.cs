using TorchSharp;
using TorchSharp.Modules;

namespace Dcgan.Training;

/// <summary>
/// Training as TensorBoard shows it (through TorchSharp's SummaryWriter): per step the losses, D(x) and D(G(z));
/// per epoch the fixed-noise grid and the epoch's seconds. Step numbers count from the start of the run, so a
/// resumed run continues the curves.
/// </summary>
public sealed class TensorBoardLog(string folder)
{
    private readonly SummaryWriter writer = torch.utils.tensorboard.SummaryWriter(folder);

    public string Folder => writer.LogDir;

    public void Step(StepReport s)
    {
        int step = (s.Epoch - 1) * s.StepsPerEpoch + s.Step;
        writer.add_scalar("loss/generator", s.Losses.Generator, step);
        writer.add_scalar("loss/discriminator", s.Losses.Discriminator, step);
        writer.add_scalar("discriminator/real", s.Losses.RealScore, step);
        writer.add_scalar("discriminator/generated", s.Losses.FakeScore, step);
    }

    public void Epoch(EpochResult r)
    {
        writer.add_scalar("epoch/seconds", (float)r.Seconds, r.Epoch);
        writer.add_img("generated", r.ImagePath, r.Epoch);
    }

    /// <summary>The events the curves above need: with this, the caller's own events still run.</summary>
    public TrainingEvents Around(TrainingEvents events) => events with
    {
        Step = s =>
        {
            events.Step?.Invoke(s);
            Step(s);
        },
        Epoch = r =>
        {
            events.Epoch?.Invoke(r);
            Epoch(r);
        },
    };
}
