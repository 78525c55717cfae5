using System.Globalization;
using Dcgan.Diagnostics;
using Dcgan.Export.Onnx.Proto;
using Dcgan.Generation;
using Dcgan.Models;
using Google.Protobuf;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Generator = Dcgan.Models.Generator;

namespace Dcgan.Export.Onnx;

/// <summary>
/// The generator as an ONNX model: input "noise" [N, 100] float32 (N free), output "images" [N, C, S, S] in [-1, 1]
/// ([N, 1, 28, 28] for the tutorial's), batch norm in inference form with the statistics sampling would use. Standard
/// operators of opset 17 only: Gemm, MatMul, BatchNormalization, LeakyRelu, Relu, Reshape, ConvTranspose, Tanh.
/// TensorFlow's 'same' cropping of the strided transposed convolutions is ConvTranspose's own asymmetric padding (1
/// before, 2 after: the first 2n of the 2n + 1 rows), and deconv2 (computed here through a DFT) is the plain
/// ConvTranspose it equals. The paper's generator is its projection (a MatMul) and ConvTransposes of padding 1.
/// </summary>
public static class OnnxExport
{
    public const int Opset = 17;
    public const string Input = "noise", Output = "images";

    /// <summary>The metadata entry that says how many of the input's entries are a one-hot category (0: none).</summary>
    public const string CodeCategoriesKey = "code_categories";

    /// <summary>The metadata entries of the images' shape: channels (1 gray, 3 colour, red green blue) and side.</summary>
    public const string ChannelsKey = "image_channels", SizeKey = "image_size";

    /// <summary>The metadata entry that names the categories, a JSON array, when they are classes of the user's images.</summary>
    public const string CategoryNamesKey = "category_names";

    /// <summary>Writes the generator to <paramref name="path"/>. <paramref name="metadata"/> goes into the model's
    /// metadata_props (tool version, recipe, epoch, checkpoint hash). Batch statistics have no inference form: refused.</summary>
    public static void WriteGenerator(Generator generator, BatchNormMode batchNorm, string path, IReadOnlyDictionary<string, string> metadata)
    {
        if (batchNorm == BatchNormMode.Batch)
        {
            throw new ArgumentException("an ONNX model samples in inference mode; export with moving or precise batch-norm statistics.");
        }
        ModelProto model;
        using (SamplingStatistics.Enter(generator, batchNorm))
        {
            model = Build(generator, batchNorm, metadata);
        }
        IO.AtomicFile.Write(path, stream => model.WriteTo(stream));
    }

    private static ModelProto Build(Generator generator, BatchNormMode batchNorm, IReadOnlyDictionary<string, string> metadata)
    {
        var shape = generator.Shape;
        var graph = new GraphProto
        {
            Name = "dcgan_generator",
            DocString = (shape.IsTutorial
                ? "make_generator_model() of TensorFlow's DCGAN tutorial: 100 numbers of noise -> a 28x28 image in [-1, 1]. "
                : $"The DCGAN paper's generator: 100 numbers of noise -> a {shape.Describe()} image in [-1, 1]. ") +
                $"Batch norm uses {batchNorm.ToString().ToLowerInvariant()} statistics.",
        };
        graph.Input.Add(Value(Input, "N", Generator.NoiseDim));
        graph.Output.Add(Value(Output, "N", shape.Channels, shape.Size, shape.Size));
        string? categories = generator.ClassBatchNorm
            ? Node(graph, "Slice", "categories", [Input, Constant(graph, "categories.starts", [0]), Constant(graph, "categories.ends", [generator.Latent.Categories]),
                Constant(graph, "categories.axes", [1])], [], "the one-hot category: the input's first entries")
            : null;
        if (shape.IsTutorial)
        {
            TutorialGraph(graph, generator, categories);
        }
        else
        {
            PaperGraph(graph, generator, categories);
        }

        var model = new ModelProto
        {
            IrVersion = 8,
            ProducerName = "dcgan (.NET)",
            ProducerVersion = ToolVersion.Current,
            DocString = $"The generator of {(shape.IsTutorial ? "TensorFlow's DCGAN tutorial" : "the DCGAN paper")}, trained with the dcgan tool. Input: noise [N, 100] from N(0, 1)" +
                (generator.Latent.Categories > 0 ? $", its first {generator.Latent.Categories} entries replaced by a one-hot category" : "") +
                $"; output: images [N, {shape.Channels}, {shape.Size}, {shape.Size}] in [-1, 1] (x * 127.5 + 127.5 gives {(shape.Channels == 1 ? "gray levels" : "red, green and blue levels")}).",
            Graph = graph,
        };
        model.MetadataProps.Add(new StringStringEntryProto { Key = ChannelsKey, Value = shape.Channels.ToString(CultureInfo.InvariantCulture) });
        model.MetadataProps.Add(new StringStringEntryProto { Key = SizeKey, Value = shape.Size.ToString(CultureInfo.InvariantCulture) });
        return Finish(model, generator, metadata);
    }

    /// <summary>make_generator_model(), node for node.</summary>
    private static void TutorialGraph(GraphProto graph, Generator generator, string? categories)
    {
        var layers = generator.Layers.named_children().ToDictionary(c => c.name, c => c.module);
        string x = Input;
        x = Node(graph, "Gemm", "dense", [x, Weight(graph, "dense.weight", ((Linear)layers["dense"]).weight!)], [Int("transB", 1)],
            "Dense(7*7*256, use_bias=False)");
        x = BatchNorm(graph, "bn1", (BatchNorm1d)layers["bn1"], x);
        x = Modulate(graph, "bn1", generator.ModulationAfter("bn1"), categories, x, 2);
        x = Leaky(graph, "leaky1", x);
        x = Node(graph, "Reshape", "reshape", [x, Constant(graph, "reshape.shape", [-1, 256, 7, 7])], [], "Reshape((7, 7, 256)), channels first");
        x = Node(graph, "ConvTranspose", "deconv2", [x, Weight(graph, "deconv2.weight", ((FourierConvTranspose2d)layers["deconv2"]).Weight)],
            [Ints("kernel_shape", 5, 5), Ints("strides", 1, 1), Ints("pads", 2, 2, 2, 2)], "Conv2DTranspose(128, (5, 5), strides=(1, 1), padding='same')");
        x = BatchNorm(graph, "bn2", (BatchNorm2d)layers["bn2"], x);
        x = Modulate(graph, "bn2", generator.ModulationAfter("bn2"), categories, x, 4);
        x = Leaky(graph, "leaky2", x);
        x = StridedDeconv(graph, "deconv3", (TfSameConvTranspose2d)layers["deconv3"], x, "Conv2DTranspose(64, (5, 5), strides=(2, 2), padding='same')");
        x = BatchNorm(graph, "bn3", (BatchNorm2d)layers["bn3"], x);
        x = Modulate(graph, "bn3", generator.ModulationAfter("bn3"), categories, x, 4);
        x = Leaky(graph, "leaky3", x);
        x = StridedDeconv(graph, "deconv4", (TfSameConvTranspose2d)layers["deconv4"], x, "Conv2DTranspose(1, (5, 5), strides=(2, 2), padding='same')");
        graph.Node.Add(new NodeProto { OpType = "Tanh", Name = "tanh", Input = { x }, Output = { Output }, DocString = "activation='tanh'" });
    }

    /// <summary>The paper's generator (<see cref="PaperModels"/>), layer by layer: the projection, then batch norm,
    /// ReLU and a stride-2 ConvTranspose for each doubling, tanh at the end.</summary>
    private static void PaperGraph(GraphProto graph, Generator generator, string? categories)
    {
        string x = Input;
        foreach (var (name, layer) in generator.Layers.named_children())
        {
            x = layer switch
            {
                Projection p => Node(graph, "Reshape", $"{name}.shaped",
                    [Node(graph, "MatMul", name, [x, Weight(graph, $"{name}.weight", p.Weight.view(p.Weight.shape[0], -1))], [], "ConvTranspose2d(nz, C, 4, 1, 0) on 1x1 noise, as the product it is"),
                     Constant(graph, $"{name}.shape", [-1, p.Weight.shape[1], 4, 4])], [], "to (C, 4, 4)"),
                BatchNorm2d b => Modulate(graph, name, generator.ModulationAfter(name), categories, BatchNorm(graph, name, b, x, "BatchNorm2d() in inference"), 4),
                ReLU => Node(graph, "Relu", name, [x], [], "ReLU"),
                StridedConvTranspose2d t => Node(graph, "ConvTranspose", name, [x, Weight(graph, $"{name}.weight", t.Weight)],
                    [Ints("kernel_shape", 4, 4), Ints("strides", 2, 2), Ints("pads", 1, 1, 1, 1)], "ConvTranspose2d(in, out, 4, 2, 1, bias=False)"),
                Tanh => Node(graph, "Tanh", Output, [x], [], "Tanh"),
                _ => throw new InvalidOperationException($"no ONNX form for the layer {name} ({layer.GetType().Name})"),
            };
        }
    }

    private static ModelProto Finish(ModelProto model, Generator generator, IReadOnlyDictionary<string, string> metadata)
    {
        model.MetadataProps.Add(new StringStringEntryProto
        {
            Key = CodeCategoriesKey,
            Value = generator.Latent.Categories.ToString(CultureInfo.InvariantCulture),
        });
        if (generator.Latent.Names is { } names)
        {
            // A JSON array, in the order of the categories, for any reader; OnnxGenerator reads it back.
            model.MetadataProps.Add(new StringStringEntryProto { Key = CategoryNamesKey, Value = System.Text.Json.JsonSerializer.Serialize(names) });
        }
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        foreach (var (key, value) in metadata)
        {
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        }
        return model;
    }

    /// <summary>TfSameConvTranspose2d: ConvTranspose with padding 1 before and 2 after, which keeps the first 2n of
    /// the 2n + 1 rows and columns, as the layer's narrow does.</summary>
    private static string StridedDeconv(GraphProto graph, string name, TfSameConvTranspose2d layer, string x, string doc)
    {
        var weight = layer.parameters().Single(p => p.dim() == 4);
        return Node(graph, "ConvTranspose", name, [x, Weight(graph, $"{name}.weight", weight)],
            [Ints("kernel_shape", 5, 5), Ints("strides", 2, 2), Ints("pads", 1, 1, 2, 2)], doc);
    }

    private static string BatchNorm(GraphProto graph, string name, NormBase layer, string x,
        string doc = "BatchNormalization() in inference (momentum 0.99, epsilon 1e-3)") =>
        Node(graph, "BatchNormalization", name,
            [x, Weight(graph, $"{name}.weight", layer.weight), Weight(graph, $"{name}.bias", layer.bias!),
             Weight(graph, $"{name}.running_mean", layer.running_mean!), Weight(graph, $"{name}.running_var", layer.running_var!)],
            [new AttributeProto { Name = "epsilon", Type = AttributeProto.Types.AttributeType.Float, F = (float)layer.eps }], doc);

    /// <summary>A <see cref="ClassModulation"/> after a batch norm: x * (1 + categories @ gain) + categories @ shift,
    /// the products shaped to x's channels (rank 4: [N, C, 1, 1]). Without one, x as it is.</summary>
    private static string Modulate(GraphProto graph, string bn, ClassModulation? modulation, string? categories, string x, int rank)
    {
        if (modulation is null || categories is null)
        {
            return x;
        }
        long channels = modulation.Gain.shape[1];
        string shape = Constant(graph, $"{bn}.class_shape", rank == 4 ? [-1, channels, 1, 1] : [-1, channels]);
        using var one = torch.ones(1);
        string gain = Node(graph, "MatMul", $"{bn}.class_gain", [categories, Weight(graph, $"{bn}.gain", modulation.Gain)], [], "each category's change of scale");
        string scale = Node(graph, "Add", $"{bn}.class_scale", [gain, Weight(graph, $"{bn}.one", one)], [], "1 + the change");
        string shift = Node(graph, "MatMul", $"{bn}.class_shift", [categories, Weight(graph, $"{bn}.shift", modulation.Shift)], [], "each category's shift");
        string scaled = Node(graph, "Mul", $"{bn}.class_scaled",
            [x, Node(graph, "Reshape", $"{bn}.class_scale_shaped", [scale, shape], [], "")], [], "conditional batch norm: scaled");
        return Node(graph, "Add", $"{bn}.class_modulated",
            [scaled, Node(graph, "Reshape", $"{bn}.class_shift_shaped", [shift, shape], [], "")], [], "conditional batch norm: shifted");
    }

    private static string Leaky(GraphProto graph, string name, string x) =>
        Node(graph, "LeakyRelu", name, [x], [new AttributeProto { Name = "alpha", Type = AttributeProto.Types.AttributeType.Float, F = (float)Keras.LeakyReluSlope }],
            "LeakyReLU() (Keras's slope 0.3)");

    private static string Node(GraphProto graph, string op, string name, string[] inputs, AttributeProto[] attributes, string doc)
    {
        var node = new NodeProto { OpType = op, Name = name, Output = { name }, DocString = doc };
        node.Input.AddRange(inputs);
        node.Attribute.AddRange(attributes);
        graph.Node.Add(node);
        return name;
    }

    private static string Weight(GraphProto graph, string name, Tensor tensor)
    {
        using var values = tensor.detach().to(float32).contiguous();
        var proto = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        proto.Dims.AddRange(values.shape);
        proto.RawData = ByteString.CopyFrom(values.bytes); // little-endian float32, as ONNX's raw_data wants
        graph.Initializer.Add(proto);
        return name;
    }

    private static string Constant(GraphProto graph, string name, long[] values)
    {
        var proto = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64, Dims = { values.Length } };
        proto.Int64Data.AddRange(values);
        graph.Initializer.Add(proto);
        return name;
    }

    private static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    /// <summary>A float32 tensor value with a free first dimension named <paramref name="batch"/>.</summary>
    private static ValueInfoProto Value(string name, string batch, params long[] rest)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = batch });
        foreach (long d in rest)
        {
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        }
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

    /// <summary>The metadata an exported model carries.</summary>
    public static Dictionary<string, string> Metadata(string recipe, int epoch, string checkpointSha256, string weights, BatchNormMode batchNorm) =>
        new()
        {
            ["tool"] = "dcgan (.NET) " + ToolVersion.Current,
            ["recipe"] = recipe,
            ["epoch"] = epoch.ToString(CultureInfo.InvariantCulture),
            ["checkpoint_sha256"] = checkpointSha256,
            ["weights"] = weights,
            ["batch_norm"] = batchNorm.ToString().ToLowerInvariant(),
        };
}
