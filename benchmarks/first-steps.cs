#:project ../src/Dcgan.Core/Dcgan.Core.csproj
#:property PublishAot=false
// The first steps of a recipe of the paper's models (default `dcgan`), recorded so that benchmarks/pytorch_dcgan.py's
// `first-steps` can replay them from the same weights, batches and noise (issue 47's step 0):
//   dotnet run benchmarks/first-steps.cs -- images.idx OUT [steps 20] [seed 1] [recipe dcgan]
// writes OUT/start-{generator,discriminator}.safetensors (the first weights, state-dict names without "layers."),
// OUT/noise.safetensors (each step's noise, [steps, B, 100]), OUT/end-*.safetensors (the weights after the steps) and
// OUT/losses.jsonl (each step's losses). Batch k is images k*B to (k+1)*B - 1, in the file's order.
using System.Text.Json;
using Dcgan.Data;
using Dcgan.Export;
using Dcgan.Training;
using TorchSharp;
using static TorchSharp.torch;

string imagesPath = args[0], folder = args[1];
int steps = args.Length > 2 ? int.Parse(args[2]) : 20;
long seed = args.Length > 3 ? long.Parse(args[3]) : 1;
var recipe = Recipe.Resolve(args.Length > 4 ? args[4] : "dcgan");
Directory.CreateDirectory(folder);

using var images = IdxFile.ReadImages(imagesPath).ToTensor();
recipe = recipe.For(new(images.shape[1] == 1 ? 1 : 3, (int)images.shape[2]));
using var random = new torch.Generator((ulong)seed);
using var gan = new Gan(recipe, random);
SaveWeights("start");

int batch = recipe.BatchSize;
var noises = new List<Tensor>();
using var log = new StreamWriter(Path.Combine(folder, "losses.jsonl"));
for (int k = 0; k < steps; k++)
{
    using var real = images.narrow(0, k * batch, batch);
    // The noise the step will draw: drawn here from a copy of the generator's state, which is then put back.
    using (var before = random.get_state())
    {
        noises.Add(recipe.Latent.Draw(batch, random));
        random.set_state(before);
    }
    var losses = gan.TrainStep(real, random: random);
    log.WriteLine(JsonSerializer.Serialize(new { step = k + 1, generator = losses.Generator, discriminator = losses.Discriminator, real = losses.RealScore, fake = losses.FakeScore }));
}
using (var stacked = torch.stack(noises))
{
    SafeTensors.Write(Path.Combine(folder, "noise.safetensors"), new Dictionary<string, Tensor> { ["noise"] = stacked });
}
SaveWeights("end");
Console.WriteLine($"{steps} steps of {recipe.Name} at {recipe.Shape.Describe()}, seed {seed}: {folder}");

void SaveWeights(string when)
{
    foreach (var (name, model) in new (string, nn.Module)[] { ("generator", gan.Generator), ("discriminator", gan.Discriminator) })
    {
        var state = model.state_dict().ToDictionary(p => p.Key.StartsWith("layers.", StringComparison.Ordinal) ? p.Key["layers.".Length..] : p.Key, p => p.Value);
        SafeTensors.Write(Path.Combine(folder, $"{when}-{name}.safetensors"), state);
    }
}
