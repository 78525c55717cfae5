using Dcgan.Evaluation;
using Dcgan.Runs;
using Dcgan.Training;

namespace Dcgan.Tests;

/// <summary>An observer of a run whose reactions a test sets.</summary>
internal sealed class Listener : IRunObserver
{
    public Action<string>? OnMessage { get; init; }
    public Action<StepReport>? OnStep { get; init; }
    public Action<EpochResult>? OnEpoch { get; init; }

    void IRunObserver.Message(string line) => OnMessage?.Invoke(line);
    void IRunObserver.StepDone(StepReport report) => OnStep?.Invoke(report);
    void IRunObserver.EpochDone(EpochResult result) => OnEpoch?.Invoke(result);

    /// <summary>An observer that collects the messages into <paramref name="lines"/>.</summary>
    public static Listener Messages(List<string> lines) => new() { OnMessage = lines.Add };
}

/// <summary>An evaluation whose result a test sets.</summary>
internal sealed class FakeEvaluation(Func<Gan, int, EpochEvaluation> evaluate) : IEpochEvaluation
{
    public EpochEvaluation Evaluate(Gan gan, int epoch) => evaluate(gan, epoch);
}
