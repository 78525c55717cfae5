using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Dcgan.Evaluation;

/// <summary>
/// The frozen judge of generated digits: a small LeNet (conv-pool-conv-pool, a 128-unit hidden layer, 10 logits)
/// reading images on the generator's [-1, 1] scale. Its hidden layer gives the features for Frechet distance and
/// precision/recall; its logits give the class predictions.
/// </summary>
internal sealed class Classifier : Module<Tensor, Tensor>
{
    public const int FeatureSize = 128, Classes = 10;

    private readonly Sequential features;
    private readonly Linear logits;

    public Classifier() : base(nameof(Classifier))
    {
        features = Sequential(
            ("conv1", Conv2d(1, 32, 5)),          // 28 -> 24
            ("relu1", ReLU()),
            ("pool1", MaxPool2d(2)),              // 12
            ("conv2", Conv2d(32, 64, 5)),         // 8
            ("relu2", ReLU()),
            ("pool2", MaxPool2d(2)),              // 4
            ("flatten", Flatten()),
            ("hidden", Linear(64 * 4 * 4, FeatureSize)),
            ("relu3", ReLU()));
        logits = Linear(FeatureSize, Classes);
        RegisterComponents();
    }

    /// <summary>The 128 hidden activations of each image.</summary>
    public Tensor Features(Tensor images) => features.call(images);

    public Tensor Logits(Tensor hidden) => logits.call(hidden);

    public override Tensor forward(Tensor images)
    {
        using var hidden = Features(images);
        return Logits(hidden);
    }
}
