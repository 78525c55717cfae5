using Dcgan.Cli;
using Dcgan.Export;
using Dcgan.Generation;
using Dcgan.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Dcgan.Tests;

public class GenerationAndExportTests
{
    [Fact]
    public void Same_seed_same_samples_in_inference_mode()
    {
        torch.manual_seed(1);
        using var gan = new Gan();

        using var a = Sampler.Sample(gan.Generator, 5, seed: 42);
        using var b = Sampler.Sample(gan.Generator, 5, seed: 42);
        using var c = Sampler.Sample(gan.Generator, 5, seed: 43);

        Assert.Equal(new long[] { 5, 1, 28, 28 }, a.shape);
        Assert.True(Fixtures.Identical(a, b));
        Assert.False(Fixtures.Identical(a, c));
        Assert.True(gan.Generator.training, "the generator goes back to training mode");
        using var blocked = Sampler.Sample(gan.Generator, 5, seed: 42, block: 2);
        Assert.True(a.allclose(blocked, rtol: 1e-5, atol: 1e-6), "blocks give the same images");
    }

    [Fact]
    public void Samples_become_an_idx_file_other_tools_can_read()
    {
        using var dir = new TempFolder();
        using var gan = new Gan();
        using var samples = Sampler.Sample(gan.Generator, 3, seed: 1);

        Data.IdxFile.WriteImages(dir.File("s.idx"), Sampler.ToImageSet(samples));

        // Read by hand, as the IDX format says: magic 0x00000803 (unsigned bytes, 3 dimensions), the dimensions as
        // big-endian int32, then the pixels; each pixel x * 127.5 + 127.5, rounded, in 0..255.
        byte[] file = File.ReadAllBytes(dir.File("s.idx"));
        int Int(int at) => System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(at));
        Assert.Equal((0x803, 3, 28, 28), (Int(0), Int(4), Int(8), Int(12)));
        float[] values = samples.data<float>().ToArray();
        Assert.Equal(16 + values.Length, file.Length);
        for (int i = 0; i < values.Length; i++)
        {
            double expected = Math.Clamp(Math.Round(values[i] * 127.5 + 127.5), 0, 255);
            Assert.InRange(file[16 + i], expected - 1, expected + 1); // float32's rounding at .5 may differ by one
        }
    }

    [Fact]
    public void Slerp_keeps_the_ends_and_the_norm_of_orthogonal_points()
    {
        using var a = torch.tensor(new float[] { 3, 0 }).reshape(1, 2);
        using var b = torch.tensor(new float[] { 0, 3 }).reshape(1, 2);

        using var start = Sampler.Slerp(a, b, 0);
        using var middle = Sampler.Slerp(a, b, 0.5);
        using var same = Sampler.Slerp(a, a, 0.3);

        Assert.True(start.allclose(a));
        Assert.Equal(3.0, middle.norm().item<float>(), 4);               // a straight line would give 2.12
        Assert.Equal(3 / Math.Sqrt(2), middle[0, 0].item<float>(), 4);
        Assert.True(same.allclose(a), "parallel points fall back to the straight line");
    }

    [Fact]
    public void Interpolation_loops_through_keyframes()
    {
        using var gan = new Gan();

        var frames = Sampler.Interpolate(gan.Generator, count: 2, keyframes: 3, steps: 4, seed: 7).ToList();

        Assert.Equal(12, frames.Count);
        Assert.All(frames, f => Assert.Equal(new long[] { 2, 1, 28, 28 }, f.shape));
        using var firstAgain = Sampler.Interpolate(gan.Generator, 2, 3, 4, 7).First();
        Assert.True(Fixtures.Identical(frames[0], firstAgain), "same seed, same walk");
        frames.ForEach(f => f.Dispose());
    }

    [Fact]
    public void Safetensors_round_trip_with_pytorch_names()
    {
        using var dir = new TempFolder();
        torch.manual_seed(3);
        using var gan = new Gan();
        using var images = Fixtures.Images(8).ToTensor();
        gan.TrainStep(images); // non-trivial batch-norm statistics and a step counter
        Fixtures.SaveCheckpoint(dir.File("c.ckpt"), gan, Recipe.Tutorial with { BatchSize = 8 }, epoch: 4);
        using var models = Checkpoint.LoadModels(dir.File("c.ckpt")); // the models alone, no optimizers

        var (generatorPath, discriminatorPath) = PyTorchExport.WriteSafeTensors(models, models.Generator, dir.Path);
        var generator = ReadByHand(generatorPath);
        var discriminator = ReadByHand(discriminatorPath);

        Assert.Equal(
            new[] { "bn1.bias", "bn1.num_batches_tracked", "bn1.running_mean", "bn1.running_var", "bn1.weight",
                    "bn2.bias", "bn2.num_batches_tracked", "bn2.running_mean", "bn2.running_var", "bn2.weight",
                    "bn3.bias", "bn3.num_batches_tracked", "bn3.running_mean", "bn3.running_var", "bn3.weight",
                    "deconv2.weight", "deconv3.conv.weight", "deconv4.conv.weight", "dense.weight" },
            generator.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(new[] { "conv1.conv.bias", "conv1.conv.weight", "conv2.conv.bias", "conv2.conv.weight", "dense.bias", "dense.weight" },
            discriminator.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, tensor) in gan.Generator.state_dict())
        {
            Assert.True(Fixtures.Identical(tensor, generator[name["layers.".Length..]]), name);
        }
        Assert.Equal(1L, generator["bn1.num_batches_tracked"].item<long>());
        Assert.Equal(ScalarType.Int64, generator["bn1.num_batches_tracked"].dtype);
        Assert.Equal((4, "tutorial"), (models.Epoch, models.Recipe.Name));
        string header = SafeTensors.HeaderJson(generatorPath);
        Assert.Contains("\"dense.weight\":{\"dtype\":\"F32\",\"shape\":[12544,100]", header);
        Assert.Contains("\"epoch\":\"4\"", header);
        Assert.Contains("\"image_channels\":\"1\",\"image_size\":\"28\",\"models\":\"tutorial\"", header);
        Assert.Equal(0UL, BitConverter.ToUInt64(File.ReadAllBytes(generatorPath), 0) % 8); // the header is padded to 8 bytes
    }

    [Fact]
    public void Safetensors_of_the_papers_models_carry_their_shape_and_width()
    {
        using var dir = new TempFolder();
        torch.manual_seed(3);
        var recipe = Recipe.Named("dcgan").For(new Models.ImageShape(3, 16)) with { Width = 8, BatchSize = 4 };
        using var gan = new Gan(recipe);
        using var images = Fixtures.Images(4, 16, 16).ToTensor().expand(4, 3, 16, 16).contiguous();
        gan.TrainStep(images);
        Fixtures.SaveCheckpoint(dir.File("c.ckpt"), gan, recipe, epoch: 2);
        using var models = Checkpoint.LoadModels(dir.File("c.ckpt"));

        var (generatorPath, _) = PyTorchExport.WriteSafeTensors(models, models.Generator, dir.Path);
        var generator = ReadByHand(generatorPath);

        foreach (var (name, tensor) in gan.Generator.state_dict())
        {
            Assert.True(Fixtures.Identical(tensor, generator[name["layers.".Length..]]), name);
        }
        Assert.Equal(gan.Generator.state_dict().Count, generator.Count);
        Assert.Contains("\"image_channels\":\"3\",\"image_size\":\"16\",\"models\":\"paper, width 8\"", SafeTensors.HeaderJson(generatorPath));
    }

    /// <summary>A safetensors file read as its format says, apart from the tool's reader: an 8-byte little-endian header
    /// length, the header's JSON (each tensor's dtype, shape and byte offsets after the header), then the data.</summary>
    private static Dictionary<string, Tensor> ReadByHand(string path)
    {
        byte[] file = File.ReadAllBytes(path);
        long headerLength = BitConverter.ToInt64(file, 0);
        var header = System.Text.Json.Nodes.JsonNode.Parse(file.AsSpan(8, (int)headerLength))!.AsObject();
        var tensors = new Dictionary<string, Tensor>();
        foreach (var (name, entry) in header)
        {
            if (name == "__metadata__")
            {
                continue;
            }
            long[] shape = [.. entry!["shape"]!.AsArray().Select(d => (long)d!)];
            var offsets = entry["data_offsets"]!.AsArray().Select(o => (int)o!).ToArray();
            var bytes = file.AsSpan(8 + (int)headerLength + offsets[0], offsets[1] - offsets[0]);
            tensors[name] = (string)entry["dtype"]! switch
            {
                "F32" => torch.tensor(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).ToArray()).reshape(shape),
                "I64" => torch.tensor(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(bytes).ToArray()).reshape(shape),
                var other => throw new InvalidDataException($"{name}: unexpected dtype {other}"),
            };
        }
        return tensors;
    }
}
