using System.Security.Cryptography;
using System.Text;
using Dcgan.IO;
using Dcgan.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Dcgan.Training;

/// <summary>
/// Everything a run needs to go on exactly as if it had not stopped, or to generate: both models (with the moving
/// average, the code head, the label embedding and the adaptive augmentation's p and count where the recipe has
/// them), both optimizers,
/// how far training got (whole epochs, and steps into the next one after a Ctrl+C), the run's seed, recipe (which
/// includes the batch size and precision) and data fingerprint, the fixed noise of the per-epoch grids, and the random-number states (noise and dropout now;
/// the data shuffle as it was when the current epoch drew its order).
/// <para>File layout: the 8 bytes "DCGANCKP", an int32 format version, an int64 payload length, the payload
/// (TorchSharp's own serialisation of each part, in the order of <see cref="Save(string, Gan)"/>), and the SHA-256 of the
/// payload, so a truncated or damaged file is recognised before anything is restored from it. Format 1 (before
/// recipes) held the batch size where format 2 holds the recipe as JSON; it reads as the tutorial's recipe in fp32.</para>
/// </summary>
public sealed class Checkpoint : IDisposable
{
    private static readonly byte[] Magic = "DCGANCKP"u8.ToArray();
    private const int FormatVersion = 2, FormatBeforeRecipes = 1;

    /// <summary>Epochs completed.</summary>
    public required int Epoch { get; init; }
    /// <summary>Steps completed in epoch <see cref="Epoch"/> + 1 (non-zero only for a checkpoint written on Ctrl+C).</summary>
    public int Step { get; init; }
    public required long Seed { get; init; }
    public required Recipe Recipe { get; init; }
    /// <summary><see cref="Data.ImageSet.Fingerprint"/> of the training images.</summary>
    public required string DataFingerprint { get; init; }
    /// <summary>Running sums of the step measurements of the unfinished epoch (generator loss, discriminator loss,
    /// D(x), D(G(z))), so its mean comes out as if it had not been interrupted.</summary>
    public double[] EpochSums { get; init; } = new double[4];
    /// <summary>The noise behind every per-epoch grid: one row of the generator's input per grid example.</summary>
    public required Tensor FixedNoise { get; init; }
    public required byte[] TorchRngState { get; init; }
    public required byte[] ShuffleRngState { get; init; }

    /// <summary>Puts back the random-number states saved here, so that training goes on drawing what it would have
    /// drawn had it not stopped: the steps' (noise and dropout) into <paramref name="random"/>, or into torch's global
    /// generator without one, and the data shuffle's into <paramref name="shuffle"/>, when given.</summary>
    public void RestoreRandomState(torch.Generator? shuffle = null, torch.Generator? random = null)
    {
        using (var state = torch.tensor(TorchRngState))
        {
            if (random is null)
            {
                torch.random.set_rng_state(state);
            }
            else
            {
                random.set_state(state);
            }
        }
        if (shuffle is not null)
        {
            using var state = torch.tensor(ShuffleRngState);
            shuffle.set_state(state);
        }
    }

    /// <summary>The state of a random-number generator (torch's global one for null), as a checkpoint keeps it.</summary>
    public static byte[] RandomStateOf(torch.Generator? generator = null)
    {
        using var state = generator is null ? torch.random.get_rng_state() : generator.get_state();
        return state.data<byte>().ToArray();
    }

    /// <summary>Writes the checkpoint atomically with <paramref name="gan"/>'s models and optimizers: a crash while
    /// saving leaves any earlier file intact.</summary>
    public void Save(string path, Gan gan) => Save(path, gan.NamedModels(), [gan.GeneratorOptimizer, gan.DiscriminatorOptimizer]);

    /// <summary>Writes the checkpoint atomically with the weights of <paramref name="models"/> and the state of
    /// <paramref name="optimizers"/>, in their order, for a program that trains models of its own without a
    /// <see cref="Gan"/>; <see cref="Load(string, IEnumerable{nn.Module}, IEnumerable{KerasAdam})"/> reads them back
    /// into models and optimizers made alike. A generator and a discriminator of <see cref="Recipe"/>, in that order,
    /// then their two optimizers, make a checkpoint that <c>dcgan generate</c> reads too.</summary>
    public void Save(string path, IEnumerable<nn.Module> models, IEnumerable<KerasAdam> optimizers) =>
        Save(path, Named(models), [.. optimizers]);

    private void Save(string path, IReadOnlyList<(string Name, nn.Module Module)> models, IReadOnlyList<KerasAdam> optimizers)
    {
        using var payload = new MemoryStream();
        using (var writer = new BinaryWriter(payload, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Epoch);
            writer.Write(Step);
            writer.Write(Seed);
            writer.Write(Recipe.ToJson());
            writer.Write(DataFingerprint);
            foreach (double sum in EpochSums)
            {
                writer.Write(sum);
            }
            FixedNoise.Save(writer);
            WriteBytes(writer, TorchRngState);
            WriteBytes(writer, ShuffleRngState);
            foreach (var (_, module) in models)
            {
                StateDicts.Write(writer, module);
            }
            foreach (var optimizer in optimizers)
            {
                optimizer.Torch.save_state_dict(writer);
            }
        }
        // The stream's own buffer, not a copy of it: a checkpoint is about 30 MB.
        var body = new ReadOnlyMemory<byte>(payload.GetBuffer(), 0, (int)payload.Length);
        AtomicFile.Write(path, stream =>
        {
            using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            writer.Write(Magic);
            writer.Write(FormatVersion);
            writer.Write((long)body.Length);
            writer.Write(body.Span);
            writer.Write(SHA256.HashData(body.Span));
        });
    }

    private static List<(string, nn.Module)> Named(IEnumerable<nn.Module> models) =>
        [.. models.Select((module, i) => ($"model {i + 1} ({module.GetName()})", module))];

    /// <summary>Reads a checkpoint and restores the models and optimizers of <paramref name="gan"/> from it.
    /// Throws <see cref="InvalidDataException"/> with a one-line explanation if the file is not a complete,
    /// undamaged checkpoint of these models.</summary>
    public static Checkpoint Load(string path, Gan gan) => Read(path, _ => gan, Restore).Checkpoint;

    /// <summary>Reads a checkpoint into models and optimizers built for its own recipe by <paramref name="create"/>
    /// (the file is read and verified once). The caller owns both results.</summary>
    public static (Checkpoint Checkpoint, Gan Gan) Load(string path, Func<Recipe, Gan> create)
    {
        Gan? created = null;
        try
        {
            return Read(path, recipe => created = create(recipe), Restore);
        }
        catch
        {
            created?.Dispose();
            throw;
        }
    }

    /// <summary>Reads a checkpoint that <see cref="Save(string, IEnumerable{nn.Module}, IEnumerable{KerasAdam})"/>
    /// wrote and restores <paramref name="models"/> and <paramref name="optimizers"/> from it, in the same order.
    /// Throws <see cref="InvalidDataException"/> with a one-line explanation if the file is not a complete,
    /// undamaged checkpoint of such models.</summary>
    public static Checkpoint Load(string path, IEnumerable<nn.Module> models, IEnumerable<KerasAdam> optimizers) =>
        Read(path, _ => (Models: Named(models), Optimizers: optimizers.ToList()), (parts, reader) => Restore(parts.Models, parts.Optimizers, reader)).Checkpoint;

    private static void Restore(Gan gan, BinaryReader reader) =>
        Restore(gan.NamedModels(), [gan.GeneratorOptimizer, gan.DiscriminatorOptimizer], reader);

    private static void Restore(IReadOnlyList<(string Name, nn.Module Module)> models, IReadOnlyList<KerasAdam> optimizers, BinaryReader reader)
    {
        foreach (var (name, module) in models)
        {
            StateDicts.LoadInto(module, StateDicts.Read(reader), name);
        }
        foreach (var optimizer in optimizers)
        {
            optimizer.Torch.load_state_dict(reader);
        }
    }

    /// <summary>The trained models of a checkpoint alone, to sample from or export: no optimizers are built.</summary>
    public static TrainedModels LoadModels(string path)
    {
        TrainedModels? created = null;
        try
        {
            var (checkpoint, models) = Read(path,
                recipe => created = new TrainedModels(recipe.NewGenerator(), recipe.NewDiscriminator(),
                    recipe.EmaDecay is null ? null : recipe.NewGenerator(), recipe, 0),
                // The models come first, in Gan.NamedModels' order: the code head and embedding after them are not read.
                (models, reader) => Restore(Gan.NamedModels(models.Generator, models.Discriminator, models.AverageGenerator), [], reader));
            using (checkpoint)
            {
                return models with { Epoch = checkpoint.Epoch };
            }
        }
        catch
        {
            created?.Dispose();
            throw;
        }
    }

    /// <summary>Reads a checkpoint's state up to its models, has <paramref name="build"/> make the models for its recipe
    /// (outside the dispose scope that frees the tensors read), and lets <paramref name="restore"/> read them from the
    /// same reader. Any failure becomes one <see cref="InvalidDataException"/> that says what the file is.</summary>
    private static (Checkpoint Checkpoint, T Models) Read<T>(string path, Func<Recipe, T> build, Action<T, BinaryReader> restore)
    {
        var (version, body) = ReadVerifiedPayload(path);
        Checkpoint? checkpoint = null;
        try
        {
            using var reader = new BinaryReader(new MemoryStream(body), Encoding.UTF8);
            checkpoint = ReadState(reader, version);
            T models;
            // Their first weights are read over at once: what building them draws comes from a generator of its own,
            // and torch's global one is left as the caller had it.
            using (var overwritten = new torch.Generator(0))
            using (RandomLoan.Of(overwritten))
            {
                models = build(checkpoint.Recipe);
            }
            using (torch.NewDisposeScope()) // the weights read are copied into the models, then freed
            {
                restore(models, reader);
            }
            return (checkpoint, models);
        }
        catch (Exception e)
        {
            checkpoint?.Dispose();
            throw new InvalidDataException(
                $"{path} does not hold this tool's models: {e.Message.Split('\n')[0].TrimEnd('.')}; it was written by another version or model.", e);
        }
    }

    /// <summary>Everything before the models, in the order <see cref="Save(string, Gan)"/> writes it.</summary>
    private static Checkpoint ReadState(BinaryReader reader, int version)
    {
        int epoch = reader.ReadInt32();
        int step = reader.ReadInt32();
        long seed = reader.ReadInt64();
        var recipe = ReadRecipe(reader, version);
        string fingerprint = reader.ReadString();
        double[] sums = [reader.ReadDouble(), reader.ReadDouble(), reader.ReadDouble(), reader.ReadDouble()];
        var fixedNoise = TensorExtensionMethods.Load(reader);
        byte[] torchRng = ReadBytes(reader), shuffleRng = ReadBytes(reader);
        return new Checkpoint
        {
            Epoch = epoch,
            Step = step,
            Seed = seed,
            Recipe = recipe,
            DataFingerprint = fingerprint,
            EpochSums = sums,
            FixedNoise = fixedNoise,
            TorchRngState = torchRng,
            ShuffleRngState = shuffleRng,
        };
    }

    /// <summary>The recipe a checkpoint was trained with, read without restoring any model.</summary>
    public static Recipe ReadRecipe(string path) => ReadHeader(path).Recipe;

    /// <summary>What a checkpoint says of its run, verified and read without building any model: how far training
    /// got, its seed, recipe and data, and how many grid examples it keeps. Throws <see cref="InvalidDataException"/>
    /// with a one-line explanation if the file is not a complete, undamaged checkpoint.</summary>
    internal static CheckpointHeader ReadHeader(string path)
    {
        var (version, body) = ReadVerifiedPayload(path);
        using var reader = new BinaryReader(new MemoryStream(body), Encoding.UTF8);
        try
        {
            using var state = ReadState(reader, version);
            return new(state.Epoch, state.Step, state.Seed, state.Recipe, state.DataFingerprint, (int)state.FixedNoise.shape[0]);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or EndOfStreamException or ArgumentException)
        {
            throw new InvalidDataException($"{path} holds an unreadable header ({e.Message.Split('\n')[0]}); it was written by another version.", e);
        }
    }

    /// <summary>A checkpoint from before recipes was trained with the tutorial's numbers but torch's epsilon rule;
    /// it goes on with that rule, so that it still resumes bit for bit, under a name that says it is not the
    /// tutorial recipe of today.</summary>
    private static Recipe ReadRecipe(BinaryReader reader, int version) =>
        version == FormatBeforeRecipes
            ? Recipe.Tutorial with
            {
                Name = "tutorial-torch-epsilon",
                Summary = "the tutorial as trained before recipes: Adam adds epsilon after bias correction, as torch does",
                BatchSize = reader.ReadInt32(),
                GeneratorAdam = Recipe.Tutorial.GeneratorAdam with { KerasEpsilon = false },
                DiscriminatorAdam = Recipe.Tutorial.DiscriminatorAdam with { KerasEpsilon = false },
            }
            : Recipe.FromJson(reader.ReadString());

    private static (int Version, byte[] Body) ReadVerifiedPayload(string path)
    {
        InputFile.Require(path, "a checkpoint file (checkpoints/epoch-NNNN.ckpt in a run folder)", "name a checkpoint file (checkpoints/epoch-NNNN.ckpt in a run folder).");
        using var reader = new BinaryReader(File.OpenRead(path));
        long fileLength = reader.BaseStream.Length;
        if (fileLength < Magic.Length + 4 + 8 || !reader.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic))
        {
            throw new InvalidDataException($"{path} is not a DCGAN checkpoint (it lacks the DCGANCKP header).");
        }
        int version = reader.ReadInt32();
        if (version is not (FormatVersion or FormatBeforeRecipes))
        {
            throw new InvalidDataException($"{path} is a checkpoint of format {version}; this version of the tool reads formats {FormatBeforeRecipes} and {FormatVersion}.");
        }
        long length = reader.ReadInt64();
        if (length < 0 || reader.BaseStream.Position + length + 32 != fileLength)
        {
            throw new InvalidDataException($"{path} is truncated or damaged (its size does not match its header); use an earlier checkpoint.");
        }
        byte[] body = reader.ReadBytes((int)length);
        if (!SHA256.HashData(body).AsSpan().SequenceEqual(reader.ReadBytes(32)))
        {
            throw new InvalidDataException($"{path} is damaged (its checksum does not match); use an earlier checkpoint.");
        }
        return (version, body);
    }

    private static void WriteBytes(BinaryWriter writer, byte[] bytes)
    {
        writer.Write(bytes.Length);
        writer.Write(bytes);
    }

    private static byte[] ReadBytes(BinaryReader reader) => reader.ReadBytes(reader.ReadInt32());

    public void Dispose() => FixedNoise.Dispose();
}

/// <summary>A checkpoint's account of its run (<see cref="Checkpoint.ReadHeader"/>): what a resume is checked against
/// before any model is built.</summary>
internal sealed record CheckpointHeader(int Epoch, int Step, long Seed, Recipe Recipe, string DataFingerprint, int GridExamples);
