using Dcgan.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Dcgan.Evaluation;

/// <summary>
/// The frozen judge of generated images, reading them on the generator's [-1, 1] scale. Its 128-unit hidden layer
/// gives the features for Frechet distance and precision/recall; its logits give the class predictions.
/// At 28x28 gray it is a small LeNet (conv-pool-conv-pool, hidden layer, logits), MNIST's judge as it always was (same
/// layers, same draws, so an evaluator trained again has the same hash). At the DCGAN paper's sizes it follows the
/// shape: 3x3 convolutions with batch norm and ReLU, each followed by a 2x2 max-pool, until 4x4 remain (32, 64, then
/// 128 channels), then the hidden layer.
/// </summary>
internal sealed class Classifier : Module<Tensor, Tensor>
{
    public const int FeatureSize = 128;

    /// <summary>MNIST's ten digits: the classes of an evaluator whose file does not say.</summary>
    public const int DigitClasses = 10;

    private readonly Sequential features;
    private readonly Linear logits;

    public Classifier(ImageShape shape, int classes) : base(nameof(Classifier))
    {
        if (classes < 2)
        {
            throw new ArgumentException($"a classifier tells at least 2 classes apart (got {classes}).", nameof(classes));
        }
        features = shape.Size == ImageShape.Tutorial.Size ? LeNet(shape.Channels) : Convolutional(shape);
        logits = Linear(FeatureSize, classes);
        RegisterComponents();
    }

    private static Sequential LeNet(int channels) => Sequential(
        ("conv1", Conv2d(channels, 32, 5)),   // 28 -> 24
        ("relu1", ReLU()),
        ("pool1", MaxPool2d(2)),              // 12
        ("conv2", Conv2d(32, 64, 5)),         // 8
        ("relu2", ReLU()),
        ("pool2", MaxPool2d(2)),              // 4
        ("flatten", Flatten()),
        ("hidden", Linear(64 * 4 * 4, FeatureSize)),
        ("relu3", ReLU()));

    private static Sequential Convolutional(ImageShape shape)
    {
        var layers = new List<(string, Module<Tensor, Tensor>)>();
        int channels = shape.Channels, block = 0;
        for (int side = shape.Size; side > 4; side /= 2)
        {
            int width = Math.Min(32 << block, 128);
            block++;
            layers.Add(($"conv{block}", Conv2d(channels, width, 3, padding: 1, bias: false)));
            layers.Add(($"bn{block}", BatchNorm2d(width)));
            layers.Add(($"relu{block}", ReLU()));
            layers.Add(($"pool{block}", MaxPool2d(2)));
            channels = width;
        }
        layers.Add(("flatten", Flatten()));
        layers.Add(("hidden", Linear(channels * 4 * 4, FeatureSize)));
        layers.Add(("relu", ReLU()));
        return Sequential(layers);
    }

    /// <summary>The 128 hidden activations of each image.</summary>
    public Tensor Features(Tensor images) => features.children().Cast<Module<Tensor, Tensor>>().Aggregate(images, (x, layer) => HeldScalars.Call(layer, x));

    public Tensor Logits(Tensor hidden) => logits.call(hidden);

    public override Tensor forward(Tensor images)
    {
        using var hidden = Features(images);
        return Logits(hidden);
    }
}
