using Dcgan.Training;

namespace Dcgan.Runs;

/// <summary>Every observer, in order; one that fails stops the run, as any failure to write a run file does.</summary>
internal sealed class RunObservers(IReadOnlyList<IRunObserver> all) : IRunObserver
{
    public void Message(string line) => Each(o => o.Message(line));
    public void RunStarted(RunStart start) => Each(o => o.RunStarted(start));
    public void StepDone(StepReport report) => Each(o => o.StepDone(report));
    public void EpochDone(EpochResult result) => Each(o => o.EpochDone(result));
    public void CheckpointSaved(EpochResult result) => Each(o => o.CheckpointSaved(result));
    public void RunStopping() => Each(o => o.RunStopping());
    public void RunEnded() => Each(o => o.RunEnded());

    private void Each(Action<IRunObserver> hear)
    {
        foreach (var observer in all)
        {
            hear(observer);
        }
    }
}
