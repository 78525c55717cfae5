using Dcgan.Data;
using Google.Protobuf;
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
/// clean-fid resizes, with PIL's bicubic), then run through both models by ONNX Runtime, <see cref="Batch"/> images
/// at a time. The package's graphs declare a batch of one; every operator in them (Conv, BatchNormalization, Relu, Add,
/// the pools; Split, Concat and Sub in the preprocessing) works on any batch, so the first dimension of their inputs,
/// outputs and recorded shapes is made free when they are loaded.
/// </summary>
public sealed class ImageNetFeatures : IDisposable
{
    public const int Dimension = 512;
    public const int Side = 224;

    /// <summary>Images run through the network at once: on 2 cores an image takes 24 ms alone, 15 ms in a batch of 16
    /// (with about 250 MB of activations); larger batches gain nothing more.</summary>
    public const int Batch = 16;

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
        // ONNX Runtime's default thread count took one of this machine's two cores (21 ms an image instead of 13).
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, IntraOpNumThreads = Environment.ProcessorCount };
        return new ImageNetFeatures(new InferenceSession(WithFreeBatch(pre), options), new InferenceSession(WithFreeBatch(net), options));
    }

    /// <summary>The model in <paramref name="path"/> with the first dimension of every declared shape (inputs, outputs,
    /// intermediate values) free instead of 1.</summary>
    private static byte[] WithFreeBatch(string path)
    {
        var model = Dcgan.Export.Onnx.Proto.ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        foreach (var value in model.Graph.Input.Concat(model.Graph.Output).Concat(model.Graph.ValueInfo))
        {
            var dims = value.Type?.TensorType?.Shape?.Dim;
            if (dims is { Count: > 0 })
            {
                dims[0] = new Dcgan.Export.Onnx.Proto.TensorShapeProto.Types.Dimension { DimParam = "batch" };
            }
        }
        return model.ToByteArray();
    }

    /// <summary>The features of each image, [N, 512] float32; <paramref name="progress"/> hears how many are done.</summary>
    public Tensor Of(ImageSet images, Action<int>? progress = null)
    {
        var features = new float[(long)images.Count * Dimension];
        var bytes = new byte[images.ImageBytes];
        const int Pixels = 3 * Side * Side;
        for (int start = 0; start < images.Count; start += Batch)
        {
            int count = Math.Min(Batch, images.Count - start);
            var input = new DenseTensor<float>([count, 3, Side, Side]);
            for (int i = 0; i < count; i++)
            {
                images.CopyImage(start + i, bytes);
                ToInput(bytes, images.Channels, images.Rows, images.Columns, input.Buffer.Span.Slice(i * Pixels, Pixels));
            }
            Features(input).CopyTo(features.AsSpan(start * Dimension, count * Dimension));
            progress?.Invoke(start + count);
        }
        return torch.tensor(features, new long[] { images.Count, Dimension });
    }

    /// <summary>The 512 features of each image of an input [B, 3, 224, 224] (RGB, 0-255), through both models: B x 512
    /// values.</summary>
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
