using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Dcgan.Models;

namespace Dcgan.Training;

/// <summary>One Adam optimizer. <see cref="KerasEpsilon"/>: epsilon is added to sqrt(v) before bias correction, as
/// tf.keras.optimizers.Adam does (the Adam paper's "epsilon hat"); torch adds it after.</summary>
public sealed record AdamSettings(double LearningRate, double Beta1, double Beta2, double Epsilon, bool KerasEpsilon)
{
    /// <summary>tf.keras.optimizers.Adam(learning_rate) with Keras's defaults: beta_1 0.9, beta_2 0.999, epsilon 1e-7.</summary>
    public static AdamSettings Keras(double learningRate) => new(learningRate, 0.9, 0.999, 1e-7, KerasEpsilon: true);
}

/// <summary>Differentiable augmentation of every image the discriminator sees (DiffAugment, Zhao et al. 2020):
/// <paramref name="Policy"/> names the operations ("color,translation,cutout", or some of them), <paramref name="P"/> is
/// each one's probability per image (without a target, 1 by default: DiffAugment's, every operation on every image).
/// With a <paramref name="Target"/>, p adapts (ADA, Karras et al. 2020): it starts at <paramref name="P"/> (0 by
/// default) and every <see cref="AdjustEvery"/> steps moves up when the discriminator's signal r = E[sign(D(real))]
/// is above the target (it is sure of the real images: it is learning them by heart), down when below, by the
/// images seen since the last move over <paramref name="RampImages"/> (the images p takes to go from 0 to 1).</summary>
public sealed record AugmentSettings(
    string Policy,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? P = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Target = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? RampImages = null)
{
    /// <summary>ADA's target for r (its paper's 0.6).</summary>
    public const double DefaultTarget = 0.6;

    /// <summary>The images p takes to go from 0 to 1 when nobody says: 10,000. ADA's own, 500,000, is 2 % of its runs of
    /// 25 million images; runs here are 50,000 images (100 epochs of 500) to a few million, and at ADA's speed p would
    /// not move in a short run. 10,000 is 2 % of a run of 500,000 images and a fifth of the shortest.</summary>
    public const double DefaultRampImages = 10_000;

    /// <summary>Steps between two moves of an adaptive p (ADA's interval: 4 minibatches).</summary>
    public const int AdjustEvery = 4;

    /// <summary>Whether p adapts to the discriminator's signal.</summary>
    [JsonIgnore]
    public bool Adaptive => Target is not null;

    /// <summary>The probability the run starts with.</summary>
    [JsonIgnore]
    public double StartP => P ?? (Adaptive ? 0 : 1);

    /// <summary>The images p takes to go from 0 to 1, when adaptive.</summary>
    [JsonIgnore]
    public double Ramp => RampImages ?? DefaultRampImages;

    /// <summary>Why these settings are refused, in words free of command-line flags, or null.</summary>
    public string? Problem() =>
        Policy is null ? $"the augmentation needs a policy, a list of {string.Join(", ", Augmentation.Operations)}."
        : Augmentation.PolicyProblem(Policy) is { } policyProblem ? policyProblem
        : Adaptive && StartP is not (>= 0 and <= 1) ? $"an adaptive augmentation's first probability must be from 0 to 1 (got {StartP})."
        : !Adaptive && StartP is not (> 0 and <= 1) ? $"the augmentation's probability must be above 0 and at most 1 (got {StartP})."
        : Target is { } target && target is not (>= 0 and < 1) ? $"the augmentation's target for E[sign(D(real))] must be at least 0 and below 1 (got {target}; ADA uses {DefaultTarget})."
        : RampImages is { } ramp && !Adaptive ? "the augmentation's ramp_images sets how fast p adapts; give it a target too, or leave the ramp out."
        : RampImages is { } images && !(double.IsFinite(images) && images >= 1) ? $"the augmentation's ramp_images must be at least 1 image (got {images})."
        : null;

    /// <summary>"color,translation,cutout", with " at p 0.5" below 1, or its adaptive rule.</summary>
    public string Describe() =>
        Adaptive ? FormattableString.Invariant($"{Policy}, p adapted from {StartP} to keep E[sign(D(real))] at {Target} (0 to 1 in {Ramp:N0} images)")
        : StartP < 1 ? FormattableString.Invariant($"{Policy} at p {StartP}") : Policy;
}

/// <summary>Which pair of models a recipe is for. In JSON as tutorial and paper.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ModelFamily>))]
public enum ModelFamily
{
    /// <summary>The tutorial's models: 28x28 gray images.</summary>
    [JsonStringEnumMemberName("tutorial")]
    Tutorial,

    /// <summary>The DCGAN paper's all-convolutional pair, derived from the image's size and channels.</summary>
    [JsonStringEnumMemberName("paper")]
    Paper,
}

/// <summary>
/// Every number that defines a run's training mathematics, in one place: which models (the tutorial's, or the DCGAN
/// paper's at the run's image shape), and how they are trained. Saved in every checkpoint and in run.json; a resumed run takes its recipe from
/// its checkpoint. The built-in recipes are files too (<see cref="Recipe.BuiltIn"/>), read as a user's are (<see cref="Recipe.Load"/>).
/// </summary>
public sealed partial record Recipe
{
    /// <summary>The most images in a train step: far beyond what a step of these models needs (the tutorial takes 256).</summary>
    public const int MaxBatch = 65_536;

    /// <summary>The recipe's name (a built-in one's is how it is asked for).</summary>
    public required string Name { get; init; }

    /// <summary>What the recipe is for, in a sentence.</summary>
    public required string Summary { get; init; }

    /// <summary>The models the recipe is for: the tutorial's (28x28 gray), or the DCGAN paper's at any size it reaches.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ModelFamily Models { get; init; }

    /// <summary>The paper's models' width: the generator's channels in its last hidden layer and the discriminator's
    /// in its first (pytorch/examples' ngf and ndf, 64); 0 for the tutorial's models, whose widths are fixed.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int Width { get; init; }

    /// <summary>The images' shape, set from the data when a run starts (as the category names are); null: 28x28 gray
    /// for the tutorial's models, the paper's 64x64 colour for its models.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ImageShape? Image { get; init; }

    /// <summary>The paper's image shape, which its models have when no data has set one.</summary>
    public static ImageShape PaperShape { get; } = new(3, 64);

    /// <summary>The shape of the images this recipe's models make.</summary>
    [JsonIgnore]
    public ImageShape Shape => Image ?? (Models == ModelFamily.Paper ? PaperShape : ImageShape.Tutorial);

    /// <summary>This recipe for images of <paramref name="shape"/>; an ArgumentException with
    /// <see cref="ShapeProblem"/> when its models cannot take them.</summary>
    public Recipe For(ImageShape shape) =>
        ShapeProblem(shape) is { } problem ? throw new ArgumentException(problem, nameof(shape))
        : this with { Image = shape.IsTutorial ? null : shape };

    /// <summary>Why this recipe's models cannot take images of <paramref name="shape"/>, or null.</summary>
    public string? ShapeProblem(ImageShape shape) =>
        shape.Problem() ?? (Models, shape.IsTutorial) switch
        {
            (ModelFamily.Tutorial, false) => $"the recipe {Name} is for the tutorial's models, which take 28x28 gray images; for {shape.Describe()} images choose a recipe for the DCGAN paper's models, such as dcgan.",
            (ModelFamily.Paper, true) => $"the recipe {Name} is for the DCGAN paper's models, which take sizes {string.Join(", ", ImageShape.PaperSizes)}; at 28x28 gray choose a recipe for the tutorial's models, such as tutorial, or another size.",
            _ => null,
        };

    /// <summary>noise_dim = 100: the generator's input. Part of the architecture, so every recipe has it.</summary>
    public int NoiseSize { get; init; } = Generator.NoiseDim;

    /// <summary>BATCH_SIZE = 256.</summary>
    public int BatchSize { get; init; } = 256;

    public required AdamSettings GeneratorAdam { get; init; }
    public required AdamSettings DiscriminatorAdam { get; init; }

    /// <summary>The losses: "bce-logits" is the tutorial's BinaryCrossentropy(from_logits=True), the generator's
    /// non-saturating form.</summary>
    public string Loss { get; init; } = "bce-logits";

    /// <summary>The target the discriminator is taught for real images: 1 in the tutorial.</summary>
    public double RealLabel { get; init; } = 1.0;

    /// <summary>The rate of the discriminator's two Dropout layers: 0.3 in the tutorial. At 0 the layers pass their
    /// input through; the models' layers and weights are the same at any rate.</summary>
    public double DiscriminatorDropout { get; init; } = Discriminator.DropoutRate;

    /// <summary>The weight gamma of an R1 penalty on real images (Mescheder et al. 2018): gamma / 2 * |grad_x D(x)|^2,
    /// averaged over the batch, is added to the discriminator's loss; 0: none (the tutorial).</summary>
    public double R1Gamma { get; init; }

    /// <summary>The R1 penalty is computed every this many steps, weighted by as many (StyleGAN2's "lazy"
    /// regularisation, Karras et al. 2020): the same push on average, at a fraction of the cost of a second
    /// derivative every step.</summary>
    public int R1Every { get; init; } = 16;

    /// <summary>The number of categories K of a categorical code in the generator's input (InfoGAN, Chen et al. 2016):
    /// the first K of its 100 inputs are a one-hot category instead of noise (see <see cref="Models.Latent"/>), and a
    /// linear head on the discriminator's features (InfoGAN's Q) learns to tell the category from a fake, while the
    /// generator learns to make it tellable; 0: no code (the tutorial).</summary>
    public int CodeCategories { get; init; }

    /// <summary>The weight lambda of the code's cross-entropy, added to both models' losses (InfoGAN's lambda, 1 for a
    /// categorical code).</summary>
    public double CodeWeight { get; init; } = 1;

    /// <summary>Whether the code's categories are the training images' labels: the code head also learns each real
    /// image's label, so that category k comes to be digit k (the auxiliary classifier of AC-GAN, Odena et al. 2017).
    /// The data must then have labels, each below <see cref="CodeCategories"/>. False: the categories are the
    /// training's own (InfoGAN).</summary>
    public bool CodeFromLabels { get; init; }

    /// <summary>Whether the code head learns from the fakes' categories too (AC-GAN's classifier, and InfoGAN's Q, which
    /// has nothing else to learn from). False, with a code from labels: it learns from the real images' labels only, so
    /// it is a classifier of real digits, and the generator is pushed toward what real digits of a class look like
    /// rather than toward the fakes it classifies most easily.</summary>
    public bool CodeHeadOnFakes { get; init; } = true;

    /// <summary>A projection discriminator (Miyato and Koyama 2018), with a code from labels: the logit of an image of
    /// category y is the tutorial's Dense(features) plus the inner product of a learnt embedding of y with the same
    /// features, so the discriminator judges "real and of this class" in one number. Fakes are judged with the
    /// category they were drawn with, real images with their label.</summary>
    public bool LabelProjection { get; init; }

    /// <summary>Conditional batch norm in the generator: each batch norm's scale and shift also depend on the
    /// category (see <see cref="Models.ClassModulation"/>), with a code from labels.</summary>
    public bool ClassBatchNorm { get; init; }

    /// <summary>The categories' names, when the labels are the class folders of the user's images (set from the
    /// data when a run starts, in the order of the labels); null: the labels' own numbers, MNIST's digits.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? CategoryNames { get; init; }

    /// <summary>What the generator's input is drawn from.</summary>
    [JsonIgnore]
    public Latent Latent => new(CodeCategories) { Names = CategoryNames };

    /// <summary>A new generator of this recipe's models, shape, input and batch norms.</summary>
    public Generator NewGenerator() => Generator.For(Shape, Width, Latent, ClassBatchNorm);

    /// <summary>A new discriminator of this recipe's models, shape and dropout.</summary>
    public Discriminator NewDiscriminator() => Discriminator.For(Shape, Width, DiscriminatorDropout);

    /// <summary>The convolutions' arithmetic.</summary>
    public Precision Precision { get; init; } = Precision.Fp32;

    /// <summary>An exponential moving average of the generator's weights, updated after every step with decay
    /// min(<see cref="EmaDecay"/>, (1 + t) / (10 + t)) at step t (tf.train.ExponentialMovingAverage's num_updates
    /// warm-up), batch-norm statistics copied from the trained generator; null: none. Sampling uses it when present.</summary>
    public double? EmaDecay { get; init; }

    /// <summary>The batch-norm statistics that sampling (grids, generate, evaluate) uses by default.</summary>
    public BatchNormMode SamplingBatchNorm { get; init; } = BatchNormMode.Moving;

    /// <summary>Differentiable augmentation of the real and fake images the discriminator sees, in both models' steps
    /// and in the R1 penalty; null: none (the tutorial, and every recipe before it). Grids and samples never show it.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public AugmentSettings? Augment { get; init; }

    /// <summary>pytorch/examples' order of a step: the discriminator is updated first, then the generator's gradient
    /// is taken through the updated discriminator, on the same fakes. False: the tutorial's, both gradients from one
    /// forward pass (every recipe before it). For recipes without a code or labels.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool DiscriminatorFirst { get; init; }

    /// <summary>Whether two recipes train alike: equal but for the name, the summary, the batch size and the
    /// precision, which a run may set, and the categories' names and image shape, which the data sets (and a resumed run compares on their own). A resumed run is
    /// compared by this, never by name, so a run saved under a recipe's former name still matches it.</summary>
    public bool TrainsAs(Recipe other) =>
        this with { Name = other.Name, Summary = other.Summary, BatchSize = other.BatchSize, Precision = other.Precision, CategoryNames = null, Image = other.Image }
            == other with { CategoryNames = null };

    /// <summary>The first problem with the numbers, in words free of command-line flags, or null.</summary>
    public string? Problem() =>
        NoiseSize != Generator.NoiseDim ? $"the noise size must be {Generator.NoiseDim}, the tutorial generator's input (got {NoiseSize})."
        : BatchSize is < 1 or > MaxBatch ? $"the batch size must be from 1 to {MaxBatch} (got {BatchSize})."
        : Loss != "bce-logits" ? $"the loss '{Loss}' is unknown; the loss is bce-logits."
        : RealLabel is not (> 0.5 and <= 1) ? $"the real-image target must be above 0.5 and at most 1 (got {RealLabel})."
        : EmaDecay is not (null or (> 0 and < 1)) ? $"the moving average's decay must be between 0 and 1 (got {EmaDecay})."
        : DiscriminatorDropout is not (>= 0 and < 1) ? $"the discriminator's dropout rate must be at least 0 and below 1 (got {DiscriminatorDropout})."
        : !(double.IsFinite(R1Gamma) && R1Gamma >= 0) ? $"the R1 penalty's gamma must be 0 (none) or positive (got {R1Gamma})."
        : R1Every < 1 ? $"the R1 penalty's interval must be at least 1 step (got {R1Every})."
        : CodeCategories is not (0 or (>= 2 and < Generator.NoiseDim)) ? $"the code's categories must be 0 (none) or from 2 to {Generator.NoiseDim - 1} (got {CodeCategories})."
        : !(double.IsFinite(CodeWeight) && CodeWeight >= 0) ? $"the code's weight must be 0 or positive (got {CodeWeight})."
        : CodeWeight == 0 && CodeCategories > 0 && !LabelProjection ? "a code's weight may be 0 only with a label projection, which then teaches the categories."
        : CodeFromLabels && CodeCategories == 0 ? "a code from labels needs categories, one for each label."
        : !CodeHeadOnFakes && !CodeFromLabels ? "a code head that does not learn from the fakes needs a code from labels to learn from."
        : LabelProjection && !CodeFromLabels ? "a label projection needs a code from labels."
        : ClassBatchNorm && !CodeFromLabels ? "conditional batch norm needs a code from labels."
        : Models == ModelFamily.Tutorial && Width != 0 ? $"the tutorial's models have fixed widths; give a width only for the paper's models (got {Width})."
        : Models == ModelFamily.Paper && Width is < 8 or > 512 ? $"the paper's models' width must be from 8 to 512 (got {Width}; pytorch/examples uses 64)."
        : Models == ModelFamily.Paper && DiscriminatorDropout != 0 ? $"the paper's discriminator has no dropout; its rate must be 0 (got {DiscriminatorDropout})."
        : Image is { } image && ShapeProblem(image) is { } shapeProblem ? shapeProblem
        : Augment?.Problem() is { } augmentProblem ? augmentProblem
        : DiscriminatorFirst && CodeCategories > 0 ? "updating the discriminator first is for recipes without a code or labels."
        : CategoryNames is { } names && (names.Count != CodeCategories || !CodeFromLabels) ? $"the {names.Count} category names must name a code from labels, one for each of its {CodeCategories} categories."
        : AdamProblem("generator", GeneratorAdam) ?? AdamProblem("discriminator", DiscriminatorAdam);

    // Each range is written as what a number must be, so that NaN, which fails every comparison, is refused too.
    private static string? AdamProblem(string model, AdamSettings adam) =>
        !(double.IsFinite(adam.LearningRate) && adam.LearningRate > 0) || adam.Beta1 is not (>= 0 and < 1)
        || adam.Beta2 is not (>= 0 and < 1) || !(double.IsFinite(adam.Epsilon) && adam.Epsilon > 0)
            ? string.Create(CultureInfo.InvariantCulture,
                $"the {model}'s Adam needs a positive learning rate, betas in [0, 1) and a positive epsilon (got {adam}).")
            : null;

    /// <summary>One line for the start of a run.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"recipe {Name} ({Precision.ToString().ToLowerInvariant()}, batch {BatchSize}): {(Models == ModelFamily.Paper ? $"the DCGAN paper's models at {Shape.Describe()} (width {Width}), " : "")}generator Adam {GeneratorAdam.LearningRate:G3}/{GeneratorAdam.Beta1}, " +
        $"discriminator Adam {DiscriminatorAdam.LearningRate:G3}/{DiscriminatorAdam.Beta1}, real label {RealLabel}, discriminator dropout {DiscriminatorDropout}, " +
        $"{(R1Gamma > 0 ? $"R1 penalty {R1Gamma} every {R1Every} steps, " : "")}" +
        $"{(CodeCategories == 0 ? "" : CodeWeight == 0 ? $"the {CodeCategories} labels as a one-hot category in the input, "
            : $"a code of {CodeCategories} categories{(CodeFromLabels ? " learnt from the labels" : "")} (weight {CodeWeight}{(CodeHeadOnFakes ? "" : ", its head learning from real images only")}), ")}" +
        $"{(LabelProjection ? "a label projection in the discriminator, " : "")}{(ClassBatchNorm ? "conditional batch norm in the generator, " : "")}" +
        $"{(Augment is { } a ? $"DiffAugment {a.Describe()} on what the discriminator sees, " : "")}{(DiscriminatorFirst ? "the discriminator updated first, " : "")}" +
        $"{(EmaDecay is { } decay ? $"sampling a moving average (decay {decay})" : "sampling the trained weights")} with {SamplingBatchNorm.ToString().ToLowerInvariant()} batch-norm statistics");

    public string ToJson(bool indented = false) =>
        JsonSerializer.Serialize(this, indented ? IO.JsonFormat.SnakeCaseIndented : IO.JsonFormat.SnakeCase);

    public static Recipe FromJson(string json) =>
        JsonSerializer.Deserialize<Recipe>(json, IO.JsonFormat.SnakeCase) ?? throw new InvalidDataException("an empty recipe.");
}
