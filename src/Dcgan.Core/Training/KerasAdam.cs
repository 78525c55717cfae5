using Dcgan.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dcgan.Training;

/// <summary>
/// tf.keras.optimizers.Adam on torch's Adam. With <see cref="AdamSettings.KerasEpsilon"/> (the tutorial's), epsilon is
/// added to sqrt(v) before bias correction, as Keras does: Keras's update lr * sqrt(1 - b2^t) / (1 - b1^t) * m /
/// (sqrt(v) + eps) equals torch's lr / (1 - b1^t) * m / (sqrt(v / (1 - b2^t)) + eps') for eps' = eps / sqrt(1 - b2^t),
/// so torch's epsilon is set to that before each step t. Without it, torch's rule as it is.
/// </summary>
public sealed class KerasAdam : IDisposable
{
    private readonly Adam adam;
    private readonly Parameter[] parameters;

    /// <summary>An optimizer of <paramref name="parameters"/> with the given settings.</summary>
    public KerasAdam(IEnumerable<Parameter> parameters, AdamSettings settings)
    {
        this.parameters = [.. parameters];
        Settings = settings;
        adam = torch.optim.Adam(this.parameters, settings.LearningRate, settings.Beta1, settings.Beta2, settings.Epsilon);
    }

    /// <summary>tf.keras.optimizers.Adam(learning_rate): Keras's defaults for the rest (beta_1 0.9, beta_2 0.999,
    /// epsilon 1e-7).</summary>
    public KerasAdam(IEnumerable<Parameter> parameters, double learningRate)
        : this(parameters, AdamSettings.Keras(learningRate))
    {
    }

    public AdamSettings Settings { get; }

    /// <summary>The parameters it updates, in order: what <see cref="ApplyGradients"/> takes gradients for.</summary>
    public IReadOnlyList<Parameter> Parameters => parameters;

    /// <summary>The steps taken: Adam counts them for its bias correction, and checkpoints keep them.</summary>
    public long StepsTaken => ((Adam.State)adam.state_dict().State[0]).step;

    /// <summary>optimizer.apply_gradients(zip(gradients, variables)): one step with these gradients, one for each of
    /// <see cref="Parameters"/>, in order.</summary>
    public void ApplyGradients(IReadOnlyList<Tensor> gradients)
    {
        if (gradients.Count != parameters.Length)
        {
            throw new ArgumentException($"{gradients.Count} gradients for {parameters.Length} parameters.", nameof(gradients));
        }
        for (int i = 0; i < parameters.Length; i++)
        {
            parameters[i].grad = gradients[i];
        }
        Step();
    }

    /// <summary>One step with the gradients already in the parameters' .grad.</summary>
    public void Step()
    {
        if (Settings.KerasEpsilon)
        {
            long t = StepsTaken + 1;
            double epsilon = Settings.Epsilon / Math.Sqrt(1 - Math.Pow(Settings.Beta2, t));
            foreach (var group in adam.ParamGroups.Cast<Adam.ParamGroup>())
            {
                group.Options.eps = epsilon;
            }
        }
        StepHoldingScalars(adam);
    }

    /// <summary>torch's Adam.step for Adam without weight decay, amsgrad or maximize: its operations in its order (so
    /// the same bytes) on its state and options (so its checkpoints and learning-rate schedules). Written here because
    /// torch's passes each number to libtorch as a Scalar it does not keep alive, which the finalizer thread can free
    /// during the very call that reads it ("Unknown scalar type"); here each is held to the end of the step
    /// (<see cref="HeldScalars"/>).</summary>
    internal static void StepHoldingScalars(Adam adam)
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        using var scalars = new HeldScalars();
        var states = adam.state_dict().State;
        int index = 0;
        foreach (var group in adam.ParamGroups.Cast<Adam.ParamGroup>())
        {
            var options = (Adam.Options)group.Options;
            if (options.weight_decay is not (null or 0) || options.amsgrad is true || options.maximize is true)
            {
                throw new NotSupportedException("Adam with weight decay, amsgrad or maximize: use torch's own step.");
            }
            double beta1 = options.beta1!.Value, beta2 = options.beta2!.Value, learningRate = options.LearningRate!.Value;
            // The group's numbers, made once for all its parameters.
            var (keep1, take1, keep2, take2, epsilon, one) = (scalars.Of(beta1), scalars.Of(1 - beta1), scalars.Of(beta2), scalars.Of(1 - beta2),
                scalars.Of(options.eps!.Value), scalars.One);
            foreach (var parameter in group.Parameters)
            {
                var state = (Adam.State)states[index++];
                if (parameter.grad is not { } grad)
                {
                    continue;
                }
                state.step += 1;
                double correction1 = 1 - Math.Pow(beta1, state.step);
                double correction2 = 1 - Math.Pow(beta2, state.step);
                state.exp_avg.mul_(keep1).add_(grad, alpha: take1);
                state.exp_avg_sq.mul_(keep2).addcmul_(grad, grad, value: take2);
                var denominator = (state.exp_avg_sq.sqrt() / scalars.Of(Math.Sqrt(correction2))).add_(epsilon, one);
                parameter.addcdiv_(state.exp_avg, denominator, value: scalars.Of(-(learningRate / correction1)));
            }
        }
    }

    /// <summary>Clears the gradients of <see cref="Parameters"/>.</summary>
    public void ZeroGrad() => adam.zero_grad();

    /// <summary>torch's optimizer underneath, for its state (checkpoints, tests).</summary>
    internal Adam Torch => adam;

    public void Dispose() => adam.Dispose();
}
