#:project ../../src/Dcgan.Core/Dcgan.Core.csproj
#:property PublishAot=false
// A loop of your own on Dcgan.Core: models, optimizers and a checkpoint, no Gan and no run folder. Run again, it goes on.
//   dotnet run samples/OwnLoop/own_loop.cs -- train-images-idx3-ubyte.gz out-folder 5
using Dcgan.Data;
using Dcgan.Generation;
using Dcgan.Imaging;
using Dcgan.Models;
using Dcgan.Training;
using TorchSharp;

string images = args[0], folder = args[1], saved = Path.Combine(folder, "mine.ckpt");
int epochs = int.Parse(args[2]);
torch.manual_seed(1);
using var generator = Generator.Tutorial();
using var discriminator = Discriminator.Tutorial();
var generatorAdam = new KerasAdam(generator.parameters(), 1e-4);
var discriminatorAdam = new KerasAdam(discriminator.parameters(), 1e-4);
using var grid = torch.randn(16, Generator.NoiseDim);
using var shuffle = new torch.Generator(1);
using var restored = File.Exists(saved) ? Checkpoint.Load(saved, [generator, discriminator], [generatorAdam, discriminatorAdam]) : null;
restored?.RestoreRandomState(shuffle); // torch's generator (noise) and the shuffle's, as they were when it was saved
using var real = IdxFile.ReadImages(images).ToTensor();
for (int epoch = (restored?.Epoch ?? 0) + 1; epoch <= epochs; epoch++)
{
    foreach (var batch in Batches.Shuffled(real, null, 64, shuffle))
    {
        using var taken = batch;
        using var scope = torch.NewDisposeScope(); // frees this step's tensors now, not when .NET's collector runs
        var fake = generator.call(torch.randn(batch.Images.shape[0], Generator.NoiseDim));
        var discriminatorLoss = Losses.DiscriminatorLoss(discriminator.call(batch.Images), discriminator.call(fake.detach()));
        discriminatorAdam.ApplyGradients([.. torch.autograd.grad([discriminatorLoss], [.. discriminator.parameters()])]); // (1) update D
        var generatorLoss = Losses.GeneratorLoss(discriminator.call(fake));
        generatorAdam.ApplyGradients([.. torch.autograd.grad([generatorLoss], [.. generator.parameters()])]);             // (2) update G
    }
    using (var samples = Sampler.Generate(generator, grid))
    {
        ImageGrid.SavePng(samples, Path.Combine(folder, $"epoch-{epoch}.png"), columns: 4);
    }
    new Checkpoint { Epoch = epoch, Seed = 1, Recipe = Recipe.Tutorial, DataFingerprint = "", FixedNoise = grid, TorchRngState = Checkpoint.RandomStateOf(), ShuffleRngState = Checkpoint.RandomStateOf(shuffle) }
        .Save(saved, [generator, discriminator], [generatorAdam, discriminatorAdam]); // borrows the grid's noise: not disposed
    Console.WriteLine($"epoch {epoch} saved in {saved}");
}
