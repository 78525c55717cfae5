using Dcgan.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Processing;
using TorchSharp;
using Tensor = TorchSharp.torch.Tensor;

namespace Dcgan.Evaluation;

/// <summary>
/// Features of a network nobody here trained, for measuring any images, labelled or not: ResNet-18 trained on ImageNet,
/// its 512 pooled features (the layer before the classifier), as ML.NET's featurizer package ships it
/// (Microsoft.ML.DnnImageFeaturizer.ResNet18 0.24.0, MIT: ResNet18.onnx, whose output is Pooling395_Output_0, and
/// ResNetPreprocess.onnx, which takes RGB in 0-255, reorders it to BGR and subtracts the network's 224x224 mean image).
/// Each image is made RGB (gray replicated to three channels) and resized to 224x224 with the bicubic filter (as
/// clean-fid resizes, with PIL's bicubic), then run through both models by ONNX Runtime, an image at a time (the
/// package's graphs take a batch of one).
/// </summary>
internal sealed class ImageNetFeatures : IDisposable
{
    public const int Dimension = 512;
    public const int Side = 224;

    /// <summary>How the features are named wherever a number computed on them is printed.</summary>
    public const string Network = "ResNet-18 (ImageNet, ML.NET's ResNet18.onnx)";

    private readonly InferenceSession preprocess;
    private readonly InferenceSession network;

    private ImageNetFeatures(InferenceSession preprocess, InferenceSession network)
    {
        this.preprocess = preprocess;
        this.network = network;
    }

    /// <summary>Where a program built on this library finds the models: DnnImageModels/ beside it, as the build copies
    /// them from the package.</summary>
    public static string Folder => Path.Combine(AppContext.BaseDirectory, "DnnImageModels");

    public static ImageNetFeatures Load(string? folder = null)
    {
        folder ??= Folder;
        string pre = Path.Combine(folder, "ResNetPrepOnnx", "ResNetPreprocess.onnx"), net = Path.Combine(folder, "ResNet18Onnx", "ResNet18.onnx");
        if (!File.Exists(pre) || !File.Exists(net))
        {
            throw new FileNotFoundException($"the ImageNet features need {net} and {pre}, from the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18 0.24.0, which dcgan's build copies there; build the program again.", net);
        }
        OrtEnv.Instance().DisableTelemetryEvents();
        return new ImageNetFeatures(new InferenceSession(pre), new InferenceSession(net));
    }

    /// <summary>The features of each image, [N, 512] float32; <paramref name="progress"/> hears how many are done.</summary>
    public Tensor Of(ImageSet images, Action<int>? progress = null)
    {
        var features = new float[(long)images.Count * Dimension];
        var bytes = new byte[images.ImageBytes];
        var input = new DenseTensor<float>([1, 3, Side, Side]);
        for (int i = 0; i < images.Count; i++)
        {
            images.CopyImage(i, bytes);
            ToInput(bytes, images.Channels, images.Rows, images.Columns, input.Buffer.Span);
            Features(input).CopyTo(features.AsSpan(i * Dimension, Dimension));
            if ((i + 1) % 100 == 0 || i + 1 == images.Count)
            {
                progress?.Invoke(i + 1);
            }
        }
        return torch.tensor(features, new long[] { images.Count, Dimension });
    }

    /// <summary>The 512 features of one input [1, 3, 224, 224] (RGB, 0-255), through both models.</summary>
    internal float[] Features(DenseTensor<float> input)
    {
        using var prepared = preprocess.Run([NamedOnnxValue.CreateFromTensor(preprocess.InputMetadata.Keys.Single(), input)]);
        var bgr = prepared.Single().AsTensor<float>();
        using var pooled = network.Run([NamedOnnxValue.CreateFromTensor(network.InputMetadata.Keys.Single(), bgr)]);
        return pooled.Single().AsTensor<float>().ToArray();
    }

    /// <summary>One image's bytes (planes: gray, or red, green and blue) as the network's input: RGB planes of 224x224
    /// in 0-255, resized with the bicubic filter, gray replicated to three channels.</summary>
    internal static void ToInput(ReadOnlySpan<byte> planes, int channels, int rows, int columns, Span<float> into)
    {
        using var image = ImageResize.ToImage(planes, channels, rows, columns);
        image.Mutate(x => x.Resize(new ResizeOptions { Size = new Size(Side, Side), Mode = ResizeMode.Stretch, Sampler = KnownResamplers.Bicubic }));
        const int Out = Side * Side;
        for (int y = 0; y < Side; y++)
        {
            for (int x = 0; x < Side; x++)
            {
                var p = image[x, y];
                (into[y * Side + x], into[Out + y * Side + x], into[2 * Out + y * Side + x]) = (p.R, p.G, p.B);
            }
        }
    }

    public void Dispose()
    {
        preprocess.Dispose();
        network.Dispose();
    }
}
