#:project ../../src/Dcgan.Core/Dcgan.Core.csproj
#:property PublishAot=false

// TensorFlow's tutorial "Deep Convolutional Generative Adversarial Network" (tensorflow.org/tutorials/generative/dcgan),
// cell by cell, in C# on Dcgan.Core. Run it with .NET 10:
//
//   dotnet run samples/Tutorial/tutorial.cs -- [--epochs 50] [--images train-images-idx3-ubyte.gz] [--out tutorial-out]
//
// Without --images it reads MNIST's training images from the tool's cache (downloading them once, as Keras's
// load_data() does). Its pictures, checkpoints and GIF go into --out, a folder that 'dcgan generate --run' reads too.
// (A file-based program is compiled ahead of time unless told otherwise; TorchSharp and the checkpoints' JSON need the
// ordinary runtime, hence PublishAot=false above.)

using System.Diagnostics;
using Dcgan.Data;
using Dcgan.Generation;
using Dcgan.Imaging;
using Dcgan.Models;
using Dcgan.Runs;
using Dcgan.Training;
using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;
using Generator = Dcgan.Models.Generator;

// What 'dcgan' sets in its process, asked for here too: freed tensor memory kept for the next step (a third faster) and
// NNPACK off. The library's constructors leave the process alone.
NativeSetup.Apply();
var (epochs, imagesFile, outFolder) = Arguments.Read(args, defaultEpochs: 50, defaultOut: "tutorial-out");
var run = new RunFolder(outFolder);
run.Create();
const long Seed = 1; // the tutorial sets none; one here makes the run repeatable (as 'dcgan train --seed 1')
torch.manual_seed(Seed);

// ## Load and prepare the dataset
// (train_images, train_labels), (_, _) = tf.keras.datasets.mnist.load_data(); images normalised to [-1, 1].
ImageSet train = imagesFile is null ? DataSource.Load(new DataRequest(), Split.Train).Images : IdxFile.ReadImages(imagesFile);
using Tensor trainImages = train.ToTensor(); // [60000, 1, 28, 28]: (x - 127.5) / 127.5
const int BatchSize = 256;
// tf.data.Dataset...shuffle(BUFFER_SIZE).batch(BATCH_SIZE): a new order each epoch, drawn from its own generator.
using var shuffle = new torch.Generator((ulong)Seed);
Console.WriteLine($"{train.Count} training images of {train.Rows}x{train.Columns}, batches of {BatchSize}");

// ## Create the models
// ### The Generator: make_generator_model(), then an image from the untrained generator (training=False).
var generator = Generator.Tutorial();
using var pictureRandom = new torch.Generator(7); // apart from the run's draws, which 'dcgan train' makes alike
using Tensor pictureNoise = torch.randn([1, Generator.NoiseDim], generator: pictureRandom);
using Tensor generatedImage = Sampler.Generate(generator, pictureNoise); // training=False: batch norm's moving statistics
string untrained = Path.Combine(run.Path, "untrained.png");
ImageGrid.SavePng(generatedImage, untrained, columns: 1);
Console.WriteLine($"An untrained generator's image: {untrained}");

// ### The Discriminator: make_discriminator_model(), and its decision on that image (positive: real).
var discriminator = Discriminator.Tutorial();
using (torch.no_grad())
{
    discriminator.eval();
    using Tensor decision = discriminator.call(generatedImage);
    Console.WriteLine($"The untrained discriminator's decision: {decision.item<float>():F6}");
}

// ## Define the loss and optimizers
// cross_entropy = tf.keras.losses.BinaryCrossentropy(from_logits=True): Losses.DiscriminatorLoss(real_output,
// fake_output) and Losses.GeneratorLoss(fake_output). generator_optimizer = tf.keras.optimizers.Adam(1e-4), and the
// discriminator's alike: Keras's Adam, as the tutorial recipe has them, made with the pair they train.
using var gan = new Gan(generator, discriminator, Recipe.Tutorial);
KerasAdam generatorOptimizer = gan.GeneratorOptimizer;
KerasAdam discriminatorOptimizer = gan.DiscriminatorOptimizer;

// ## Save checkpoints
// checkpoint = tf.train.Checkpoint(generator_optimizer, discriminator_optimizer, generator, discriminator): both models,
// both optimizers, and what the run needs to go on exactly (its random states and the grid's noise).
void SaveCheckpoint(int epoch, Tensor gridNoise) => new Checkpoint
{
    Epoch = epoch,
    Seed = Seed,
    Recipe = gan.Recipe,
    DataFingerprint = train.Fingerprint(),
    FixedNoise = gridNoise,
    TorchRngState = Checkpoint.RandomStateOf(),
    ShuffleRngState = Checkpoint.RandomStateOf(shuffle),
}.Save(run.CheckpointAt(epoch), gan);

// ## Define the training loop
// seed = tf.random.normal([num_examples_to_generate, noise_dim]): the grid's noise, the same every epoch.
const int NumExamplesToGenerate = 16;
using Tensor seed = torch.randn(NumExamplesToGenerate, Generator.NoiseDim);

// train_step(images): one forward pass; each loss differentiated with respect to its own model's weights (the two
// GradientTapes); one Adam step each. (Gan.TrainStep computes the same update faster; docs/library.md.)
(float GenLoss, float DiscLoss) TrainStep(Tensor images)
{
    using var scope = torch.NewDisposeScope();
    Tensor noise = torch.randn(images.shape[0], Generator.NoiseDim);

    Tensor generatedImages = generator.call(noise);               // training=True
    Tensor realOutput = discriminator.call(images);
    Tensor fakeOutput = discriminator.call(generatedImages);

    Tensor genLoss = Losses.GeneratorLoss(fakeOutput);
    Tensor discLoss = Losses.DiscriminatorLoss(realOutput, fakeOutput);

    var gradientsOfGenerator = torch.autograd.grad([genLoss], [.. generator.parameters()], retain_graph: true);
    var gradientsOfDiscriminator = torch.autograd.grad([discLoss], [.. discriminator.parameters()]);

    generatorOptimizer.ApplyGradients([.. gradientsOfGenerator]);
    discriminatorOptimizer.ApplyGradients([.. gradientsOfDiscriminator]);
    return (genLoss.item<float>(), discLoss.item<float>());
}

// generate_and_save_images(model, epoch, test_input): the 4x4 grid (training=False), saved as image_at_epoch_NNNN.png.
var frames = new List<SKBitmap>();
void GenerateAndSaveImages(Generator model, int epoch, Tensor testInput)
{
    using Tensor predictions = Sampler.Generate(model, testInput);
    SKBitmap grid = ImageGrid.Render(predictions, columns: 4);
    ImageGrid.SavePng(grid, run.ImageAtEpoch(epoch));
    frames.Add(grid); // kept for the GIF
}

// train(dataset, epochs)
void Train(int fromEpoch)
{
    for (int epoch = fromEpoch + 1; epoch <= epochs; epoch++)
    {
        var start = Stopwatch.StartNew();
        generator.train();
        discriminator.train();
        (float Gen, float Disc) last = default;
        foreach (Batch imageBatch in Batches.Shuffled(trainImages, null, BatchSize, shuffle))
        {
            using (imageBatch)
            {
                last = TrainStep(imageBatch.Images);
            }
        }
        // Produce images for the GIF as you go.
        GenerateAndSaveImages(generator, epoch, seed);
        // Save the model every 15 epochs (and after the last).
        if (epoch % 15 == 0 || epoch == epochs)
        {
            SaveCheckpoint(epoch, seed);
        }
        Console.WriteLine($"Time for epoch {epoch} is {start.Elapsed.TotalSeconds:F1} sec (gen_loss {last.Gen:F3}, disc_loss {last.Disc:F3})");
    }
}

Train(fromEpoch: 0);

// ## Restore the latest checkpoint
// checkpoint.restore(tf.train.latest_checkpoint(checkpoint_dir)): the weights, both Adams, and the random states, so
// that training from here draws what it would have drawn had it not stopped.
string latest = run.LatestCheckpoint()!;
using (Checkpoint restored = Checkpoint.Load(latest, gan))
{
    restored.RestoreRandomState(shuffle);
    Console.WriteLine($"Restored {latest} (epoch {restored.Epoch})");
}

// ## Create a GIF
// display_image(EPOCHS), then imageio's dcgan.gif of every epoch's grid: made from the grids in memory, the last held.
Console.WriteLine($"The last epoch's grid: {run.ImageAtEpoch(epochs)}");
AnimatedGif.Write(run.GifPath, frames, AnimatedGif.FrameDelay, AnimatedGif.LastFrameDelay);
Console.WriteLine($"The animation: {run.GifPath}");

/// <summary>The sample's three options, read by hand: a tutorial needs no parser.</summary>
internal static class Arguments
{
    public static (int Epochs, string? Images, string Out) Read(string[] args, int defaultEpochs, string defaultOut)
    {
        int epochs = defaultEpochs;
        string? images = null;
        string output = defaultOut;
        for (int i = 0; i < args.Length; i++)
        {
            string value = i + 1 < args.Length ? args[i + 1] : throw Usage($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--epochs" when int.TryParse(value, out int n) && n >= 1:
                    epochs = n;
                    break;
                case "--images":
                    images = value;
                    break;
                case "--out":
                    output = value;
                    break;
                default:
                    throw Usage($"{args[i]} {value} is not an option of this sample");
            }
            i++;
        }
        return (epochs, images, output);
    }

    private static ArgumentException Usage(string what) =>
        new($"{what}; it takes --epochs N (at least 1), --images FILE.idx and --out FOLDER.");
}
