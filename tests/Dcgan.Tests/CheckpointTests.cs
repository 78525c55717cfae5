using Dcgan.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Dcgan.Tests;

public class CheckpointTests
{
    private static Checkpoint StateOf(Gan gan, int epoch, Tensor noise)
    {
        using var rng = torch.random.get_rng_state();
        return new Checkpoint
        {
            Epoch = epoch,
            Seed = 42,
            BatchSize = 8,
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
        StateOf(gan, 3, noise).Save(dir.File("c.ckpt"), gan);

        torch.manual_seed(6);
        using var other = new Gan();
        using var restored = Checkpoint.Load(dir.File("c.ckpt"), other);

        Assert.Equal((3, 42L, 8), (restored.Epoch, restored.Seed, restored.BatchSize));
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

    /// <summary>Saves a checkpoint of <paramref name="gan"/>, then lets <paramref name="damage"/> change its bytes.</summary>
    private static string SaveAndDamage(TempFolder dir, Gan gan, Func<byte[], byte[]> damage)
    {
        using var noise = torch.randn(16, 100);
        StateOf(gan, 1, noise).Save(dir.File("c.ckpt"), gan);
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
    public void Latest_checkpoint_is_the_highest_epoch()
    {
        using var dir = new TempFolder();
        var run = new RunFolder(dir.Path);
        Directory.CreateDirectory(run.CheckpointFolder);
        foreach (int epoch in new[] { 15, 3, 120, 45 })
        {
            File.WriteAllBytes(run.CheckpointAtEpoch(epoch), []);
        }
        File.WriteAllBytes(Path.Combine(run.CheckpointFolder, "notes.txt"), []);

        Assert.Equal(run.CheckpointAtEpoch(120), run.LatestCheckpoint());
        Assert.Equal(4, run.Checkpoints().Count);
        Assert.Null(new RunFolder(dir.File("empty")).LatestCheckpoint());
    }
}
