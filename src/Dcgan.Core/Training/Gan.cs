using Dcgan.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Generator = Dcgan.Models.Generator;

namespace Dcgan.Training;

/// <summary>
/// The tutorial's pair of models and optimizers, and its train_step: both losses from one forward pass, each
/// model's gradient from its own loss, one Adam step for each (or, where the recipe says, pytorch/examples' step:
/// D updated first, then G through it).
/// </summary>
public sealed class Gan : IDisposable
{
    private readonly Parameter[] generatorParameters;
    private readonly Parameter[] discriminatorParameters;
    private readonly Parameter[] judgeParameters;
    private readonly Conditioning conditioning;

    /// <summary>What the discriminator sees of every image, real or fake: the images, or, with the recipe's
    /// augmentation, the images augmented anew at each look.</summary>
    private readonly Func<Tensor, Tensor> seen;

    /// <summary>The recipe's augmentation, and the rule that adapts its probability where the recipe asks.</summary>
    private readonly Augmentation? augmentation;
    private readonly AdaptiveAugmentation? adaptive;

    /// <summary>The tutorial's pair, trained by the tutorial's recipe.</summary>
    public Gan() : this(Recipe.Tutorial)
    {
    }

    /// <summary>A new pair of models made for <paramref name="recipe"/>, and its optimizers: their first weights
    /// drawn from torch's global generator.</summary>
    public Gan(Recipe recipe) : this(CheckedRecipe(recipe).NewGenerator(), recipe.NewDiscriminator(), recipe)
    {
    }

    /// <summary>The same, with the first weights drawn from <paramref name="random"/>: torch's global generator is
    /// left as it was.</summary>
    public Gan(Recipe recipe, torch.Generator random) : this(CheckedRecipe(recipe), RandomLoan.Of(random)!)
    {
    }

    /// <summary>Built while <paramref name="loan"/> lends its generator to torch's, then given back.</summary>
    private Gan(Recipe recipe, IDisposable loan) : this(recipe)
    {
        loan.Dispose();
    }

    /// <summary>The pair <paramref name="generator"/> and <paramref name="discriminator"/>, trained by
    /// <paramref name="recipe"/>: it makes their two Adam optimizers (and the moving average, code head and label
    /// embedding where the recipe has them) and sets their precision. The models must be the recipe's: a generator of
    /// its shape and latent (<see cref="Recipe.NewGenerator"/>), a discriminator of its shape and dropout rate
    /// (<see cref="Recipe.NewDiscriminator"/>).</summary>
    public Gan(Generator generator, Discriminator discriminator, Recipe recipe)
    {
        CheckedRecipe(recipe);
        if (generator.Latent.Categories != recipe.Latent.Categories || generator.ClassBatchNorm != recipe.ClassBatchNorm)
        {
            throw new ArgumentException($"the generator does not take the recipe {recipe.Name}'s input; make it with recipe.NewGenerator().", nameof(generator));
        }
        if (generator.Shape != recipe.Shape || discriminator.Shape != recipe.Shape)
        {
            throw new ArgumentException($"the models make and judge {generator.Shape.Describe()} and {discriminator.Shape.Describe()} images, and the recipe {recipe.Name} is for {recipe.Shape.Describe()}; make them with recipe.NewGenerator() and recipe.NewDiscriminator().", nameof(generator));
        }
        if (discriminator.Dropout != recipe.DiscriminatorDropout)
        {
            throw new ArgumentException($"the discriminator's dropout is {discriminator.Dropout}, and the recipe {recipe.Name}'s is {recipe.DiscriminatorDropout}.", nameof(discriminator));
        }
        Recipe = recipe;
        Generator = generator;
        Discriminator = discriminator;
        MixedPrecision.Set(Generator, recipe.Precision);
        MixedPrecision.Set(Discriminator, recipe.Precision);
        generatorParameters = [.. Generator.parameters()];
        discriminatorParameters = [.. Discriminator.parameters()];
        conditioning = new Conditioning(recipe, Discriminator.FeatureSize, discriminatorParameters[0].dtype);
        adaptive = recipe.Augment is { Adaptive: true } settings ? new AdaptiveAugmentation(settings) : null;
        augmentation = Augmentation.Of(recipe.Augment, adaptive is null ? null : () => adaptive.P);
        seen = augmentation is null ? images => images : augmentation.Apply;
        // What the adversarial loss trains: the discriminator, and the label embedding its logit includes.
        judgeParameters = [.. discriminatorParameters, .. conditioning.EmbeddingParameters];
        GeneratorOptimizer = new KerasAdam(generatorParameters, recipe.GeneratorAdam);
        // The code head learns alongside the discriminator whose features it reads, with the same Adam.
        DiscriminatorOptimizer = new KerasAdam([.. judgeParameters, .. conditioning.CodeParameters], recipe.DiscriminatorAdam);
        AverageGenerator = recipe.EmaDecay is null ? null : WeightAverage.Start(Generator, recipe);
    }

    /// <summary>Every module a checkpoint keeps, named for its messages, in the order it keeps them: the generator,
    /// the discriminator, then the moving average, the code head, the label embedding and the adaptive augmentation's
    /// state where the recipe has them.</summary>
    internal IReadOnlyList<(string Name, nn.Module Module)> NamedModels() =>
        [.. NamedModels(Generator, Discriminator, AverageGenerator), .. Optional("code head", CodeHead), .. Optional("label embedding", LabelEmbedding),
         .. Optional("adaptive augmentation", adaptive)];

    internal static IReadOnlyList<(string Name, nn.Module Module)> NamedModels(Generator generator, Discriminator discriminator, Generator? average) =>
        [("generator", generator), ("discriminator", discriminator), .. Optional("average generator", average)];

    private static IEnumerable<(string, nn.Module)> Optional(string name, nn.Module? module) =>
        module is null ? [] : [(name, module)];

    private static Recipe CheckedRecipe(Recipe recipe) =>
        recipe.Problem() is { } problem ? throw new ArgumentException(problem, nameof(recipe)) : recipe;

    /// <summary>The moving average of the generator's weights, when the recipe keeps one.</summary>
    public Generator? AverageGenerator { get; }

    /// <summary>The probability of each augmentation per image that the next step uses (it moves when the recipe's
    /// augmentation adapts); null without augmentation.</summary>
    public double? AugmentP => augmentation?.Probability;

    /// <summary>The generator that grids and evaluations sample from: the average when there is one.</summary>
    public Generator SamplingGenerator => AverageGenerator ?? Generator;

    public Recipe Recipe { get; }
    public Generator Generator { get; }
    public Discriminator Discriminator { get; }

    /// <summary>InfoGAN's Q, when the recipe has a code: the category logits of an image, from the discriminator's
    /// features. Trained with the discriminator, by its optimizer.</summary>
    public Linear? CodeHead => conditioning.CodeHead;

    /// <summary>The projection discriminator's class embedding, when the recipe projects labels: [K, features].
    /// Trained with the discriminator, by its optimizer.</summary>
    public Embedding? LabelEmbedding => conditioning.LabelEmbedding;

    /// <summary>The discriminator's logit for <paramref name="features"/>, of images of <paramref name="categories"/>
    /// [B] when the recipe projects labels: Dense(features) + &lt;embedding(y), features&gt;.</summary>
    public Tensor Judge(Tensor features, Tensor? categories) => conditioning.Judge(Discriminator.Judge(features), features, categories);

    /// <summary>generator_optimizer: Adam with the recipe's settings (Keras's epsilon rule in the tutorial's).</summary>
    public KerasAdam GeneratorOptimizer { get; }

    /// <summary>discriminator_optimizer, which also updates the code head and label embedding where there are.</summary>
    public KerasAdam DiscriminatorOptimizer { get; }

    /// <summary>One step of adversarial training on a batch of real images in [-1, 1], shaped [B, 1, 28, 28], and
    /// their labels [B] when the recipe learns its code from labels. As many fakes as real images are drawn (the
    /// tutorial draws a full batch of fakes even for its short last batch). The noise and dropout's masks are drawn
    /// from <paramref name="random"/> when given, else from torch's global generator.</summary>
    public StepLosses TrainStep(Tensor images, Tensor? labels = null, torch.Generator? random = null)
    {
        if (Recipe.CodeFromLabels && labels is null)
        {
            throw new ArgumentException($"the recipe {Recipe.Name} learns from the images' labels; give each batch its labels.", nameof(labels));
        }
        using var loan = RandomLoan.Of(random);
        using var scope = torch.NewDisposeScope();
        var noise = Generator.Latent.Draw(images.shape[0]).to(images.dtype);
        if (Recipe.DiscriminatorFirst)
        {
            return StepDiscriminatorFirst(images, noise);
        }
        var losses = ComputeGradients(images, noise, Recipe.CodeFromLabels ? labels : null);
        EndStep();
        return losses;
    }

    /// <summary>pytorch/examples' step (dcgan/main.py): (1) update D on the real images and the fakes, (2) update G
    /// through the updated D, judging the same fakes again. The losses reported are D's before its update and G's
    /// after, D(G(z)) before, as pytorch/examples prints them (errD, errG, D_G_z1).</summary>
    internal StepLosses StepDiscriminatorFirst(Tensor images, Tensor noise)
    {
        using var scope = torch.NewDisposeScope();
        BeginStep();
        var generatedImages = Generator.call(noise);

        // (1) Update D: maximize log(D(x)) + log(1 - D(G(z)))
        var realOutput = Discriminator.call(seen(images));
        var fakeOutput = Discriminator.call(seen(generatedImages.detach()));
        var discLoss = Losses.DiscriminatorLoss(realOutput, fakeOutput, Recipe.RealLabel);
        discLoss.backward(inputs: discriminatorParameters);
        if (RealGradientPenaltyDue)
        {
            using var penalty = Losses.RealGradientPenalty(reals => Discriminator.call(seen(reals)), images, Recipe.R1Gamma / 2 * Recipe.R1Every);
            penalty.backward(inputs: discriminatorParameters);
        }
        DiscriminatorOptimizer.Step();

        // (2) Update G: maximize log(D(G(z))), through the discriminator just updated
        var genLoss = Losses.GeneratorLoss(Discriminator.call(seen(generatedImages)));
        genLoss.backward(inputs: generatorParameters);
        GeneratorOptimizer.Step();
        var losses = Measured(genLoss, discLoss, realOutput, fakeOutput);
        AfterSteps();
        return losses;
    }

    /// <summary>The tutorial's train_step as it is written: one forward pass, then each loss differentiated with
    /// respect to its own model (two tapes, two backward passes through the discriminator), then one Adam step each.
    /// The same update as <see cref="TrainStep"/>, which is faster (one backward pass through the discriminator,
    /// docs/performance.md), to float rounding. For the recipes without a code or labels.</summary>
    public StepLosses TrainStepAsTutorial(Tensor images)
    {
        using var scope = torch.NewDisposeScope();
        var losses = ComputeTapeGradients(images, Generator.Latent.Draw(images.shape[0]).to(images.dtype));
        EndStep();
        return losses;
    }

    /// <summary>The gradients of <see cref="TrainStepAsTutorial"/>, left in the parameters' .grad. (Keras's
    /// apply_gradients takes them as a list; <see cref="KerasAdam.ApplyGradients"/> does too.)</summary>
    internal StepLosses ComputeTapeGradients(Tensor images, Tensor noise)
    {
        if (Recipe.CodeCategories > 0 || Recipe.LabelProjection || Recipe.DiscriminatorFirst)
        {
            throw new NotSupportedException($"the recipe {Recipe.Name} has a code, labels or updates the discriminator first; its step is TrainStep.");
        }
        using var scope = torch.NewDisposeScope();
        BeginStep();

        var generatedImages = Generator.call(noise);
        var realOutput = Discriminator.call(seen(images));
        var fakeOutput = Discriminator.call(seen(generatedImages));
        var genLoss = Losses.GeneratorLoss(fakeOutput);
        var discLoss = Losses.DiscriminatorLoss(realOutput, fakeOutput, Recipe.RealLabel);

        genLoss.backward(retain_graph: true, inputs: generatorParameters);   // gen_tape.gradient(gen_loss, ...)
        discLoss.backward(inputs: discriminatorParameters);                 // disc_tape.gradient(disc_loss, ...)
        if (RealGradientPenaltyDue)
        {
            using var penalty = Losses.RealGradientPenalty(reals => Discriminator.call(seen(reals)), images, Recipe.R1Gamma / 2 * Recipe.R1Every);
            penalty.backward(inputs: discriminatorParameters);
        }
        return Measured(genLoss, discLoss, realOutput, fakeOutput);
    }

    /// <summary>The step's measurements, with the augmentation's probability it used; the adaptive rule counts the
    /// signs of the real images' logits here.</summary>
    private StepLosses Measured(Tensor genLoss, Tensor discLoss, Tensor realOutput, Tensor fakeOutput)
    {
        adaptive?.Observe(realOutput);
        return new(
            genLoss.ToSingle(),
            discLoss.ToSingle(),
            torch.sigmoid(realOutput).mean().ToSingle(),
            torch.sigmoid(fakeOutput).mean().ToSingle(),
            (float?)augmentation?.Probability);
    }

    /// <summary>Both models in training mode (batch statistics, dropout), their gradients cleared.</summary>
    private void BeginStep()
    {
        Generator.train();
        Discriminator.train();
        GeneratorOptimizer.ZeroGrad();
        DiscriminatorOptimizer.ZeroGrad();
    }

    /// <summary>One Adam step each, from the gradients left in .grad, then the moving average and the augmentation's
    /// probability.</summary>
    private void EndStep()
    {
        GeneratorOptimizer.Step();
        DiscriminatorOptimizer.Step();
        AfterSteps();
    }

    /// <summary>After both Adam steps: the moving average, and the augmentation's probability.</summary>
    private void AfterSteps()
    {
        adaptive?.AdjustAfter(DiscriminatorOptimizer.StepsTaken);
        if (AverageGenerator is not null)
        {
            WeightAverage.Update(AverageGenerator, Generator, Recipe.EmaDecay!.Value, GeneratorOptimizer.StepsTaken);
        }
    }

    /// <summary>Below this fake logit, the shortcut in <see cref="ComputeGradients"/> could lose precision
    /// (sigmoid(-50) is 2e-22, so the discriminator's gradient still sits far above float's smallest normal numbers).</summary>
    private const float ShortcutLogitFloor = -50;

    /// <summary>The forward pass and both backward passes of <see cref="TrainStep"/>, leaving each model's gradient
    /// in its parameters' .grad, without the optimizer steps.</summary>
    internal StepLosses ComputeGradients(Tensor images, Tensor noise, Tensor? labels = null)
    {
        using var scope = torch.NewDisposeScope();
        BeginStep();

        var generatedImages = Generator.call(noise);
        // The discriminator judges a detached copy, so that the gradient reaching the fakes can be handled below.
        var fakes = generatedImages.detach().requires_grad_(true);

        var fakeCategories = labels is null ? null : Generator.Latent.CategoriesOf(noise);
        var realFeatures = Discriminator.Features(seen(images));
        var realOutput = Judge(realFeatures, labels);
        var fakeFeatures = Discriminator.Features(seen(fakes));
        var fakeOutput = Judge(fakeFeatures, fakeCategories);

        var genLoss = Losses.GeneratorLoss(fakeOutput);
        var discLoss = Losses.DiscriminatorLoss(realOutput, fakeOutput, Recipe.RealLabel);

        // The tutorial's two GradientTapes, each loss differentiated with respect to its own model's variables, from the
        // one forward pass above; EndStep then updates both, as pytorch/examples' "(1) Update D network, (2) Update G
        // network" does from two.
        // (1) disc_tape: the discriminator's parameters, and on the way the gradient of disc_loss at the fakes.
        discLoss.backward(retain_graph: true, inputs: [.. judgeParameters, fakes]);

        // (2) gen_tape: gen_loss's gradient at the fakes, carried back through the generator.
        var genLossAtFakes = GeneratorLossAtFakes(genLoss, fakeOutput, fakes, fakeFeatures, noise, labels is null ? null : (realFeatures, labels));
        generatedImages.backward([genLossAtFakes], inputs: generatorParameters);

        if (RealGradientPenaltyDue)
        {
            using var penalty = Losses.RealGradientPenalty(reals => Judge(Discriminator.Features(seen(reals)), labels), images, Recipe.R1Gamma / 2 * Recipe.R1Every);
            penalty.backward(inputs: judgeParameters); // added to disc_loss's gradient
        }

        return Measured(genLoss, discLoss, realOutput, fakeOutput);
    }

    /// <summary>The gradient of gen_loss (plus the code's term, for a recipe with a code) at the fakes, from what the
    /// discriminator's backward pass left in fakes.grad. gen_loss depends on the fakes only through their logits l, and
    /// the discriminator judges each image alone (no batch statistics; dropout masks are fixed by the forward pass).
    /// Per image, d gen_loss / d l = (sigmoid(l) - 1) / B and d disc_loss / d l = sigmoid(l) / B, so at each fake
    ///   d gen_loss / d image = -exp(-l) * d disc_loss / d image,
    /// which spares a second backward pass through the discriminator (docs/performance.md). Same mathematics; for a
    /// fake judged below the floor, and for a discriminator with batch norm (the paper's: its batch statistics tie each
    /// image's logit to the others'), the second pass is made after all.</summary>
    private Tensor GeneratorLossAtFakes(Tensor genLoss, Tensor fakeOutput, Tensor fakes, Tensor fakeFeatures, Tensor noise,
        (Tensor Features, Tensor Labels)? reals)
    {
        var fakeLogits = fakeOutput.detach();
        // A copy only when the code's backward pass will add to fakes.grad; otherwise the step reads it as it is.
        var discLossAtFakes = CodeHead is null ? fakes.grad! : fakes.grad!.clone();
        var codeLossAtFakes = CodeHead is null ? null
            : conditioning.CodeLossBackward(Generator.Latent.CategoriesOf(noise), fakeFeatures, fakes, discLossAtFakes, reals, discriminatorParameters);
        var genLossAtFakes = Discriminator.JudgesEachImageAlone && fakeLogits.min().ToSingle() > ShortcutLogitFloor
            ? discLossAtFakes.mul(fakeLogits.neg().exp_().neg_().view(-1, 1, 1, 1))
            : torch.autograd.grad([genLoss], [fakes])[0];
        if (codeLossAtFakes is null)
        {
            return genLossAtFakes;
        }
        using var one = 1L.ToScalar(); // held through the call (Models/HeldScalars.cs)
        return genLossAtFakes.add(codeLossAtFakes, alpha: one); // the generator, too, wants its category told
    }

    /// <summary>Whether this step adds the recipe's R1 penalty: every R1Every steps, counted by the discriminator's
    /// optimizer, which checkpoints keep, so a resumed run adds it at the same steps.</summary>
    internal bool RealGradientPenaltyDue =>
        Recipe.R1Gamma > 0 && DiscriminatorOptimizer.StepsTaken % Recipe.R1Every == 0;

    public void Dispose()
    {
        AverageGenerator?.Dispose();
        adaptive?.Dispose();
        conditioning.Dispose();
        GeneratorOptimizer.Dispose();
        DiscriminatorOptimizer.Dispose();
        Generator.Dispose();
        Discriminator.Dispose();
    }
}
