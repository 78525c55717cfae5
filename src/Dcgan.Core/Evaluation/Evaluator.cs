using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Dcgan.Data;
using Dcgan.IO;
using Dcgan.Models;
using Dcgan.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Dcgan.Evaluation;

/// <summary>What an evaluator file says about itself. An evaluator of 28x28 gray digits says what it always said
/// (so MNIST's evaluator keeps its hash); any other also records its shape, its classes and their names, and the
/// data it was trained on: where it came from, its fingerprint, and the share held out for testing when the data
/// had no test split of its own (a folder of images).</summary>
public sealed record EvaluatorInfo(double TestAccuracy, int TrainImages, int TestImages, int Epochs, long Seed, string Dataset)
{
    /// <summary>The shape of the images it judges; null: 28x28 gray.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ImageShape? Shape { get; init; }

    /// <summary>How many classes it tells apart; null: ten digits.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Classes { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? ClassNames { get; init; }

    /// <summary>The folder or file its images came from (<see cref="DataRequest.Data"/>), when they were named.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? DataPath { get; init; }

    /// <summary><see cref="ImageSet.Fingerprint"/> of all the images it was given (before any were held out).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? DataFingerprint { get; init; }

    /// <summary>The share of each class held out for testing (<see cref="HeldOut"/>, drawn with <see cref="Seed"/>),
    /// for data without a test split; null: the data's own test split.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? HeldOutShare { get; init; }

    /// <summary>The shape of the images it judges.</summary>
    [JsonIgnore]
    public ImageShape Judges => Shape ?? ImageShape.Tutorial;

    /// <summary>How many classes it tells apart.</summary>
    [JsonIgnore]
    public int ClassCount => Classes ?? Classifier.DigitClasses;
}

/// <summary>
/// A trained, frozen <see cref="Classifier"/> and the hash that names it: every metric depends on the evaluator,
/// so every report carries this hash, and numbers are only comparable under the same one.
/// </summary>
public sealed class Evaluator : IDisposable
{
    private static readonly byte[] Magic = "DCGANEVL"u8.ToArray();
    /// <summary>The seal after the contents: this marker and the SHA-256 of everything before it.</summary>
    private static readonly byte[] SealMarker = "DCGANSHA"u8.ToArray();
    private const int SealLength = 8 + 32;
    private const int Block = 1000, BatchSize = 64;

    private Evaluator(Classifier model, EvaluatorInfo info, string hash)
    {
        Model = model;
        Info = info;
        Hash = hash;
        Model.eval();
    }

    internal Classifier Model { get; }
    public EvaluatorInfo Info { get; }
    /// <summary>SHA-256 of the evaluator's contents (the file without its seal, so the same for a file saved before
    /// seals), hex.</summary>
    public string Hash { get; }
    public string ShortHash => Hash[..12];

    /// <summary>An ArgumentException that says what was found and what is needed, unless there are at least
    /// <paramref name="atLeast"/> <paramref name="images"/>.</summary>
    public static void CheckImages(ImageSet images, string what, int atLeast = Comparison.MinImages)
    {
        if (images.Count < atLeast)
        {
            throw new ArgumentException($"{what} are {images.Count} image{(images.Count == 1 ? "" : "s")}; at least {atLeast} are needed.");
        }
    }

    /// <summary>An ArgumentException unless <paramref name="images"/> have the shape this evaluator judges and there
    /// are enough of them to measure (<see cref="Comparison.MinImages"/>).</summary>
    public void CheckJudged(ImageSet images, string what)
    {
        if (images.Shape != Info.Judges)
        {
            throw OtherShape($"{what} are {images.DescribeShape()} images", images.DescribeShape());
        }
        CheckImages(images, what);
    }

    /// <summary>Refuses a generator of <paramref name="shape"/> unless this evaluator judges that shape: said before
    /// minutes go into drawing its images.</summary>
    public void CheckDraws(ImageShape shape, string what)
    {
        if (shape != Info.Judges)
        {
            throw OtherShape($"{what} draws {shape.Describe()} images", shape.Describe());
        }
    }

    private ArgumentException OtherShape(string given, string shape) =>
        new($"{given}; the evaluator {ShortHash} judges {Info.Judges.Describe()} images ({Info.Dataset}): " +
            $"evaluate images of that shape, or train an evaluator at theirs ('dcgan evaluator train' on data read at {shape}).");

    /// <summary>The images this evaluator held out for testing and the rest, from <paramref name="images"/>: all the
    /// images it was given, read as they were then (an ArgumentException when they are other images).</summary>
    public (ImageSet Train, ImageSet Test) HeldOutOf(ImageSet images)
    {
        var share = Info.HeldOutShare ?? throw new InvalidOperationException("this evaluator was tested on its data's own test split.");
        if (images.Fingerprint() is var given && given != Info.DataFingerprint)
        {
            throw new ArgumentException($"the evaluator {ShortHash} held out test images from {Info.DataPath ?? "other data"} (fingerprint {Info.DataFingerprint?[..12]}), " +
                $"and these {images.Count} images are not those (fingerprint {given[..12]}): read the same data the same way (the same folder, size, channels, background and fit), or train an evaluator on this data.");
        }
        return HeldOut.Split(images, Info.Seed, share);
    }

    /// <summary>Where 'dcgan evaluator train' saves a dataset's evaluator, and where evaluations look for it.</summary>
    public static string DefaultPath(string dataset) =>
        Path.Combine(DataRequest.DefaultCacheFolder(), "evaluator", $"{dataset}-lenet.evaluator");

    /// <summary>The first label a classifier of <paramref name="classes"/> classes cannot learn (its position and
    /// value), or null.</summary>
    public static (int At, byte Label)? LabelBeyondClasses(byte[] labels, int classes = Classifier.DigitClasses)
    {
        int at = Array.FindIndex(labels, l => l >= classes);
        return at < 0 ? null : (at, labels[at]);
    }

    /// <summary>Trains the classifier of the images' shape with a fixed seed: Adam from 1e-3, decayed by 0.8 each
    /// epoch; batch 64; each image shifted at random by up to 2 pixels (a 16th of the side for larger images), so
    /// 10,000 MNIST training images are enough for 98.5 % and more. Reports each epoch's test accuracy. Seeds torch
    /// for the initial weights (leaving its global generator as it was); the shuffle and the shifts have their own
    /// generator. <paramref name="classes"/>: how many it tells apart (default: the highest training label + 1).</summary>
    internal static (Classifier Model, EvaluatorInfo Info) Train(ImageSet trainImages, byte[] trainLabels, ImageSet testImages, byte[] testLabels,
        string dataset, int epochs = 12, long seed = 1, Action<string>? log = null, int? classes = null)
    {
        CheckImages(trainImages, "the evaluator's training images", atLeast: 1);
        CheckImages(testImages, "the evaluator's test images", atLeast: 1);
        var shape = trainImages.Shape ?? throw new ArgumentException($"the evaluator's training images are {trainImages.DescribeShape()}; it needs square images.");
        if (testImages.Shape != shape)
        {
            throw new ArgumentException($"the evaluator's test images are {testImages.DescribeShape()} and its training images {shape.Describe()}; give both at one shape.");
        }
        int count = classes ?? Math.Max(2, trainLabels.DefaultIfEmpty().Max() + 1);
        foreach (var (given, which) in new[] { (trainLabels, "training"), (testLabels, "test") })
        {
            if (LabelBeyondClasses(given, count) is var (at, label))
            {
                throw new InvalidDataException($"the evaluator's {which} labels have label {label} (label {at + 1}); it tells {count} classes, labels 0 to {count - 1}.");
            }
        }
        // The first weights from a generator of the seed's, not torch's global one: what a caller draws next (a
        // training run that evaluates every few epochs) stays what it would have been.
        Classifier model;
        using (var weights = new torch.Generator((ulong)seed))
        using (RandomLoan.Of(weights))
        {
            model = new Classifier(shape, count);
        }
        using var optimizer = torch.optim.Adam(model.parameters(), 1e-3);
        var schedule = torch.optim.lr_scheduler.ExponentialLR(optimizer, 0.8);
        int shift = Math.Max(2, shape.Size / 16);
        using var random = new torch.Generator((ulong)seed);
        using var labelled = trainImages.WithLabels(trainLabels);
        double accuracy = 0;
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            model.train();
            // Read a batch at a time, as training reads: a labelled folder may be larger than memory.
            foreach (var batch in Batches.Shuffled(labelled, BatchSize, random, withLabels: true))
            {
                using var scope = torch.NewDisposeScope();
                using (batch)
                {
                    var padded = nn.functional.pad(batch.Images, [shift, shift, shift, shift], value: -1); // background is -1 on this scale
                    var loss = nn.functional.cross_entropy(model.call(Shifted(padded, random, trainImages.Rows, trainImages.Columns, shift)), batch.Labels!);
                    optimizer.zero_grad();
                    loss.backward();
                    KerasAdam.StepHoldingScalars(optimizer); // torch's step, its Scalars held (HeldScalars.cs)
                }
            }
            schedule.step();
            accuracy = Accuracy(model, testImages, testLabels);
            log?.Invoke($"evaluator epoch {epoch}/{epochs}: test accuracy {accuracy:P2} ({clock.Elapsed.TotalSeconds:F1} s)");
        }
        model.eval();
        var info = new EvaluatorInfo(accuracy, trainImages.Count, testImages.Count, epochs, seed, dataset);
        return (model, shape.IsTutorial && count == Classifier.DigitClasses ? info : info with { Shape = shape, Classes = count });
    }

    /// <summary>Each padded image cut back to rows x columns at a random offset: a shift of up to
    /// <paramref name="shift"/> pixels.</summary>
    private static Tensor Shifted(Tensor padded, torch.Generator random, int rows, int columns, int shift)
    {
        using var offsets = torch.randint(0, 2 * shift + 1, [padded.shape[0], 2], generator: random);
        var shifts = offsets.data<long>().ToArray();
        var crops = new Tensor[padded.shape[0]];
        for (int i = 0; i < crops.Length; i++)
        {
            crops[i] = padded[i].narrow(1, shifts[2 * i], rows).narrow(2, shifts[2 * i + 1], columns);
        }
        return torch.stack(crops);
    }

    internal static double Accuracy(Classifier model, ImageSet images, byte[] labels)
    {
        model.eval();
        using var truth = torch.tensor(labels).to_type(ScalarType.Int64);
        long correct = 0;
        using (torch.no_grad())
        {
            for (int start = 0; start < images.Count; start += Block)
            {
                using var scope = torch.NewDisposeScope();
                int n = Math.Min(Block, images.Count - start);
                var predicted = model.call(images.ToTensor([.. Enumerable.Range(start, n)])).argmax(1);
                correct += (predicted == truth.narrow(0, start, n)).sum().item<long>();
            }
        }
        return (double)correct / images.Count;
    }

    /// <summary><see cref="Train"/>s an evaluator and saves it to <paramref name="path"/>; <paramref name="describe"/>
    /// adds what the file says beyond its training (the classes' names, the data it held out its test images from).</summary>
    public static void TrainAndSave(string path, ImageSet trainImages, byte[] trainLabels, ImageSet testImages, byte[] testLabels,
        string dataset, int epochs, long seed, Action<string>? log, int? classes, Func<EvaluatorInfo, EvaluatorInfo> describe)
    {
        var (model, info) = Train(trainImages, trainLabels, testImages, testLabels, dataset, epochs, seed, log, classes);
        using (model)
        {
            Save(path, model, describe(info));
        }
    }

    /// <summary>The share of each class held out to test an evaluator on when the images have no test split of their
    /// own (<see cref="HoldOut"/>).</summary>
    public const double HeldOutShare = HeldOut.DefaultShare;

    /// <summary>Images without a test split of their own split into an evaluator's training and test images: the same
    /// share of each class (<see cref="HeldOutShare"/>), chosen by a shuffle of <paramref name="seed"/>; refused where
    /// too few are left to test on.</summary>
    public static (ImageSet Train, ImageSet Test) HoldOut(ImageSet images, long seed) => HeldOut.ForEvaluator(images, seed);

    /// <summary>Writes the evaluator atomically: its description, its weights, and a seal, the SHA-256 of both, so
    /// that a changed byte is caught when it is read.</summary>
    internal static void Save(string path, Classifier model, EvaluatorInfo info)
    {
        using var contents = new MemoryStream();
        using (var writer = new BinaryWriter(contents, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(JsonSerializer.Serialize(info));
            StateDicts.Write(writer, model);
        }
        var body = new ReadOnlyMemory<byte>(contents.GetBuffer(), 0, (int)contents.Length);
        AtomicFile.Write(path, stream =>
        {
            stream.Write(body.Span);
            stream.Write(SealMarker);
            stream.Write(SHA256.HashData(body.Span));
        });
    }

    /// <summary>Reads an evaluator, checking its seal; <paramref name="note"/> hears that a file saved before seals
    /// carries none (it still loads). Throws InvalidDataException with one line that says what to do.</summary>
    public static Evaluator Load(string path, Action<string>? note = null)
    {
        InputFile.Require(path, "an evaluator file in it (such as mnist.evaluator)", "train an evaluator first with 'dcgan evaluator train'.");
        byte[] bytes = File.ReadAllBytes(path);
        var (contents, hasSeal) = Unsealed(bytes, path);
        try
        {
            using var reader = new BinaryReader(new MemoryStream(bytes, 0, contents.Length), Encoding.UTF8);
            if (!reader.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic))
            {
                throw new InvalidDataException("it lacks the DCGANEVL header");
            }
            var info = JsonSerializer.Deserialize<EvaluatorInfo>(reader.ReadString())
                ?? throw new InvalidDataException("its description is empty");
            var model = new Classifier(info.Judges, info.ClassCount);
            using (var scope = torch.NewDisposeScope())
            {
                StateDicts.LoadInto(model, StateDicts.Read(reader), "classifier");
            }
            if (reader.BaseStream.Position != contents.Length)
            {
                throw new InvalidDataException("it has bytes after its weights");
            }
            if (!hasSeal)
            {
                note?.Invoke($"note: {path} was saved before evaluators carried a hash, so a damaged byte in it would go unnoticed; 'dcgan evaluator train' makes a sealed one.");
            }
            return new Evaluator(model, info, Convert.ToHexStringLower(SHA256.HashData(contents.Span)));
        }
        catch (Exception e) when (!hasSeal && bytes.AsSpan().StartsWith(Magic)
                                  && e is InvalidDataException or EndOfStreamException or JsonException or IOException or ArgumentException)
        {
            // An evaluator's header, no seal at its end, and contents that do not read whole: cut short, not old.
            throw new InvalidDataException($"{path} is damaged: it is cut short or changed (it does not read whole, and it lacks the seal that ends a whole evaluator); train the evaluator again with 'dcgan evaluator train'.", e);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or JsonException or IOException)
        {
            throw new InvalidDataException($"{path} is not a usable evaluator ({e.Message.TrimEnd('.')}); train one with 'dcgan evaluator train'.", e);
        }
    }

    /// <summary>The contents before the seal, checked against it, and whether there was one: a file without a seal
    /// (saved before seals, or cut short) is all contents.</summary>
    private static (ReadOnlyMemory<byte> Contents, bool HasSeal) Unsealed(byte[] bytes, string path)
    {
        int end = bytes.Length - SealLength;
        if (end < 0 || !bytes.AsSpan(end, SealMarker.Length).SequenceEqual(SealMarker))
        {
            return (bytes, false);
        }
        if (!SHA256.HashData(bytes.AsSpan(0, end)).AsSpan().SequenceEqual(bytes.AsSpan(end + SealMarker.Length)))
        {
            throw new InvalidDataException($"{path} is damaged (its contents do not match their SHA-256); train the evaluator again with 'dcgan evaluator train'.");
        }
        return (bytes.AsMemory(0, end), true);
    }

    /// <summary>Class probabilities [N, K], hidden features [N, 128] and logits [N, K] of images in [-1, 1].</summary>
    public (Tensor Probabilities, Tensor Features, Tensor Logits) Judge(Tensor images)
    {
        using var scope = torch.NewDisposeScope(); // every intermediate result is freed on return
        using var noGrad = torch.no_grad();
        var features = new List<Tensor>();
        var logits = new List<Tensor>();
        for (long start = 0; start < images.shape[0]; start += Block)
        {
            var hidden = Model.Features(images.narrow(0, start, Math.Min(Block, images.shape[0] - start)));
            features.Add(hidden);
            logits.Add(Model.Logits(hidden));
        }
        var allLogits = torch.cat(logits, 0);
        return (torch.softmax(allLogits, 1).MoveToOuterDisposeScope(), torch.cat(features, 0).MoveToOuterDisposeScope(),
            allLogits.MoveToOuterDisposeScope());
    }

    /// <summary>Judges real held-out images once, for any number of <see cref="Measure"/> calls against them
    /// (a run's evaluations, the real-data floor).</summary>
    internal Reference Prepare(Tensor realImages)
    {
        var (probabilities, features, logits) = Judge(realImages);
        probabilities.Dispose();
        return new Reference(features, logits);
    }

    /// <summary>The metrics of <paramref name="images"/> against a prepared <paramref name="reference"/>.</summary>
    internal SetMetrics Measure(Tensor images, Reference reference, int splits = 10)
    {
        using var scope = torch.NewDisposeScope();
        var (probabilities, features, logits) = Judge(images);
        var (referenceFeatures, referenceLogits) = (reference.Features, reference.Logits);
        var shares = Metrics.ClassShares(probabilities);
        var (scoreMean, scoreStd) = Metrics.ClassifierScoreSplits(probabilities, splits);
        var (precision, recall) = Metrics.PrecisionRecall(referenceFeatures, features);
        return new SetMetrics(
            Count: (int)images.shape[0],
            ClassifierScore: Metrics.ClassifierScore(probabilities),
            ClassifierScoreSplitMean: scoreMean,
            ClassifierScoreSplitStd: scoreStd,
            FrechetDistanceFeatures: Metrics.FrechetDistance(features, referenceFeatures),
            FrechetDistanceLogits: Metrics.FrechetDistance(logits, referenceLogits),
            ClassShares: shares,
            EffectiveClasses: Metrics.EffectiveClasses(shares),
            SmallestClassShare: shares.Min(),
            LargestClassShare: shares.Max(),
            MeanTopConfidence: probabilities.max(1).values.mean().item<float>(),
            Precision: precision,
            Recall: recall);
    }

    public void Dispose() => Model.Dispose();
}

/// <summary>Real held-out images as the evaluator sees them: hidden features and logits.</summary>
internal sealed class Reference(Tensor features, Tensor logits) : IDisposable
{
    public Tensor Features { get; } = features;
    public Tensor Logits { get; } = logits;
    public int Count => (int)Features.shape[0];

    public void Dispose()
    {
        Features.Dispose();
        Logits.Dispose();
    }
}

/// <summary>The metrics of one set of images against real held-out images.</summary>
public sealed record SetMetrics(
    int Count,
    double ClassifierScore,
    double ClassifierScoreSplitMean,
    double ClassifierScoreSplitStd,
    double FrechetDistanceFeatures,
    double FrechetDistanceLogits,
    double[] ClassShares,
    double EffectiveClasses,
    double SmallestClassShare,
    double LargestClassShare,
    double MeanTopConfidence,
    double Precision,
    double Recall);
