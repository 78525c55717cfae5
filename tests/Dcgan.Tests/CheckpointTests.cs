using Dcgan.IO;
using Dcgan.Models;
using Dcgan.Runs;
using Dcgan.Training;
using TorchSharp;
using static TorchSharp.torch;
using Generator = Dcgan.Models.Generator;

namespace Dcgan.Tests;

public class CheckpointTests
{
    private static Checkpoint StateOf(int epoch, Tensor noise)
    {
        using var rng = torch.random.get_rng_state();
        return new Checkpoint
        {
            Epoch = epoch,
            Step = 5,
            Seed = 42,
            Recipe = Recipe.Tutorial with { BatchSize = 8 },
            DataFingerprint = "abc",
            EpochSums = [1, 2, 3, 4],
            FixedNoise = noise,
            TorchRngState = rng.data<byte>().ToArray(),
            ShuffleRngState = [1, 2, 3],
        };
    }

    private static Dictionary<string, Tensor> Everything(Gan gan)
    {
        var all = new Dictionary<string, Tensor>();
        foreach (var (name, t) in gan.Generator.state_dict()) all["G." + name] = t;
        foreach (var (name, t) in gan.Discriminator.state_dict()) all["D." + name] = t;
        return all;
    }

    [Fact]
    public void Round_trip_restores_weights_optimizers_noise_and_counters()
    {
        using var dir = new TempFolder();
        torch.manual_seed(5);
        using var gan = new Gan();
        using var images = Fixtures.Images(8).ToTensor();
        gan.TrainStep(images);
        using var noise = torch.randn(16, 100);
        StateOf(3, noise).Save(dir.File("c.ckpt"), gan);

        torch.manual_seed(6);
        using var other = new Gan();
        using var restored = Checkpoint.Load(dir.File("c.ckpt"), other);

        Assert.Equal((3, 5, 42L, "abc"), (restored.Epoch, restored.Step, restored.Seed, restored.DataFingerprint));
        Assert.Equal(Recipe.Tutorial with { BatchSize = 8 }, restored.Recipe);
        Assert.Equal(restored.Recipe, Checkpoint.ReadRecipe(dir.File("c.ckpt")));
        Assert.Equal(new double[] { 1, 2, 3, 4 }, restored.EpochSums);
        Assert.Equal(new byte[] { 1, 2, 3 }, restored.ShuffleRngState);
        Assert.True(Fixtures.Identical(restored.FixedNoise, noise));
        var expected = Everything(gan);
        foreach (var (name, tensor) in Everything(other))
        {
            Assert.True(Fixtures.Identical(tensor, expected[name]), name);
        }
        // Same optimizer state: one more identical step gives identical weights.
        torch.manual_seed(9);
        gan.TrainStep(images);
        torch.manual_seed(9);
        other.TrainStep(images);
        expected = Everything(gan);
        foreach (var (name, tensor) in Everything(other))
        {
            Assert.True(Fixtures.Identical(tensor, expected[name]), "after a step: " + name);
        }
    }

    /// <summary>A program's own models and optimizers, saved and restored without a Gan: every tensor comes back as
    /// it was, each optimizer's step count too, and the file is a Gan's checkpoint of the same recipe.</summary>
    [Fact]
    public void Models_and_optimizers_of_a_program_of_its_own_round_trip_without_a_gan()
    {
        using var dir = new TempFolder();
        torch.manual_seed(5);
        using var generator = Generator.Tutorial();
        using var discriminator = Discriminator.Tutorial();
        var generatorAdam = new KerasAdam(generator.parameters(), 1e-4);
        var discriminatorAdam = new KerasAdam(discriminator.parameters(), 1e-4);
        using (var images = Fixtures.Images(8).ToTensor())
        using (var noise = torch.randn(8, Generator.NoiseDim))
        {
            var generatorLoss = Losses.GeneratorLoss(discriminator.call(generator.call(noise)));
            generatorAdam.ApplyGradients([.. torch.autograd.grad([generatorLoss], [.. generator.parameters()])]);
            var discriminatorLoss = Losses.DiscriminatorLoss(discriminator.call(images), discriminator.call(generator.call(noise).detach()));
            discriminatorAdam.ApplyGradients([.. torch.autograd.grad([discriminatorLoss], [.. discriminator.parameters()])]);
        }
        using var gridNoise = torch.randn(16, 100);
        StateOf(1, gridNoise).Save(dir.File("own.ckpt"), [generator, discriminator], [generatorAdam, discriminatorAdam]);

        torch.manual_seed(6);
        using var otherGenerator = Generator.Tutorial();
        using var otherDiscriminator = Discriminator.Tutorial();
        var otherGeneratorAdam = new KerasAdam(otherGenerator.parameters(), 1e-4);
        var otherDiscriminatorAdam = new KerasAdam(otherDiscriminator.parameters(), 1e-4);
        using (var restored = Checkpoint.Load(dir.File("own.ckpt"), [otherGenerator, otherDiscriminator], [otherGeneratorAdam, otherDiscriminatorAdam]))
        {
            Assert.Equal((1, 5), (restored.Epoch, restored.Step));
        }
        foreach (var (mine, theirs) in new (nn.Module, nn.Module)[] { (generator, otherGenerator), (discriminator, otherDiscriminator) })
        {
            var expected = mine.state_dict();
            foreach (var (name, tensor) in theirs.state_dict())
            {
                Assert.True(Fixtures.Identical(tensor, expected[name]), name);
            }
        }
        Assert.Equal((1L, 1L), (otherGeneratorAdam.StepsTaken, otherDiscriminatorAdam.StepsTaken));
        using var asGan = new Gan();
        using (Checkpoint.Load(dir.File("own.ckpt"), asGan))
        {
            var expected = generator.state_dict();
            Assert.All(asGan.Generator.state_dict(), pair => Assert.True(Fixtures.Identical(pair.Value, expected[pair.Key]), pair.Key));
        }
    }

    /// <summary>Models that do not match the file's are refused in one line that names which.</summary>
    [Fact]
    public void Models_of_another_shape_than_a_checkpoint_s_are_refused_naming_which()
    {
        using var dir = new TempFolder();
        using var generator = Generator.Tutorial();
        using var discriminator = Discriminator.Tutorial();
        using var gridNoise = torch.randn(16, 100);
        StateOf(1, gridNoise).Save(dir.File("own.ckpt"), [generator, discriminator], []);

        using var colour = Discriminator.For(new ImageShape(3, 32), 64);
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(dir.File("own.ckpt"), [colour], []));
        Assert.Contains("model 1", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Saves a checkpoint of <paramref name="gan"/>, then lets <paramref name="damage"/> change its bytes.</summary>
    private static string SaveAndDamage(TempFolder dir, Gan gan, Func<byte[], byte[]> damage)
    {
        using var noise = torch.randn(16, 100);
        StateOf(1, noise).Save(dir.File("c.ckpt"), gan);
        File.WriteAllBytes(dir.File("c.ckpt"), damage(File.ReadAllBytes(dir.File("c.ckpt"))));
        return dir.File("c.ckpt");
    }

    [Fact]
    public void Truncated_checkpoint_is_refused()
    {
        using var dir = new TempFolder();
        using var gan = new Gan();
        SaveAndDamage(dir, gan, bytes => bytes[..(bytes.Length - 1000)]);

        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(dir.File("c.ckpt"), gan));

        Assert.Equal($"{dir.File("c.ckpt")} is truncated or damaged (its size does not match its header); use an earlier checkpoint.", e.Message);
    }

    [Fact]
    public void Damaged_checkpoint_is_refused()
    {
        using var dir = new TempFolder();
        using var gan = new Gan();
        SaveAndDamage(dir, gan, bytes =>
        {
            bytes[bytes.Length / 2] ^= 0xff;
            return bytes;
        });

        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(dir.File("c.ckpt"), gan));

        Assert.Contains("is damaged (its checksum does not match)", e.Message);
    }

    [Fact]
    public void Other_files_are_not_checkpoints()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("x.ckpt"), "some text that is long enough to have a header");
        using var gan = new Gan();

        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(dir.File("x.ckpt"), gan));

        Assert.Contains("is not a DCGAN checkpoint", e.Message);
    }

    [Fact]
    public void Weights_of_another_architecture_name_the_tensor_that_does_not_fit()
    {
        using var generator = Generator.Tutorial();
        using var discriminator = Discriminator.Tutorial();
        using var denseBefore = discriminator.state_dict()["layers.dense.weight"].clone();
        var wider = new Dictionary<string, Tensor>(discriminator.state_dict())
        {
            ["layers.conv1.conv.weight"] = torch.zeros(96, 1, 5, 5),
            ["layers.dense.weight"] = torch.zeros_like(denseBefore),
        };

        var shape = Assert.Throws<InvalidDataException>(() => StateDicts.LoadInto(discriminator, wider, "discriminator"));
        var names = Assert.Throws<InvalidDataException>(() => StateDicts.LoadInto(generator, discriminator.state_dict(), "generator"));

        Assert.Equal("its discriminator tensor 'layers.conv1.conv.weight' is Float32 [96, 1, 5, 5], this model's is Float32 [64, 1, 5, 5]", shape.Message);
        Assert.Equal("its generator lacks tensor 'layers.bn1.weight'", names.Message);
        Assert.True(Fixtures.Identical(denseBefore, discriminator.state_dict()["layers.dense.weight"]), "nothing is copied from a file that does not fit");
    }

    [Fact]
    public void Latest_checkpoint_is_the_highest_epoch()
    {
        using var dir = new TempFolder();
        var run = new RunFolder(dir.Path);
        Directory.CreateDirectory(run.CheckpointFolder);
        foreach (int epoch in new[] { 15, 3, 120, 45 })
        {
            File.WriteAllBytes(run.CheckpointAt(epoch), []);
        }
        File.WriteAllBytes(run.CheckpointAt(45, 7), []);
        File.WriteAllBytes(Path.Combine(run.CheckpointFolder, "notes.txt"), []);

        Assert.Equal(run.CheckpointAt(120), run.LatestCheckpoint());
        Assert.Equal(
            new[] { "epoch-0003.ckpt", "epoch-0015.ckpt", "epoch-0045.ckpt", "epoch-0045-step-0007.ckpt", "epoch-0120.ckpt" },
            run.Checkpoints().Select(Path.GetFileName));
        Assert.Null(new RunFolder(dir.File("empty")).LatestCheckpoint());

        // --keep 2: the two newest whole-epoch checkpoints stay; a Ctrl+C checkpoint older than the newest goes.
        run.PruneCheckpoints(keep: 2);
        Assert.Equal(new[] { "epoch-0045.ckpt", "epoch-0120.ckpt" }, run.Checkpoints().Select(Path.GetFileName));
    }
}
