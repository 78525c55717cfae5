using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Dcgan.Generation;
using Dcgan.Models;

namespace Dcgan.Training;

/// <summary>One Adam optimizer. <see cref="KerasEpsilon"/>: epsilon is added to sqrt(v) before bias correction, as
/// tf.keras.optimizers.Adam does (the Adam paper's "epsilon hat"); torch adds it after.</summary>
public sealed record AdamSettings(double LearningRate, double Beta1, double Beta2, double Epsilon, bool KerasEpsilon);

/// <summary>
/// Every number that defines a run's training mathematics, in one place: the models are always the tutorial's, the
/// recipe says how they are trained. Saved in every checkpoint and in run.json; a resumed run takes its recipe from
/// its checkpoint.
/// </summary>
public sealed record Recipe
{
    /// <summary>The name that --recipe takes.</summary>
    public required string Name { get; init; }

    /// <summary>What the recipe is for, in a sentence.</summary>
    public required string Summary { get; init; }

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

    /// <summary>What the generator's input is drawn from.</summary>
    [JsonIgnore]
    public Latent Latent => new(CodeCategories);

    /// <summary>The convolutions' arithmetic.</summary>
    public Precision Precision { get; init; } = Precision.Fp32;

    /// <summary>An exponential moving average of the generator's weights, updated after every step with decay
    /// min(<see cref="EmaDecay"/>, (1 + t) / (10 + t)) at step t (tf.train.ExponentialMovingAverage's num_updates
    /// warm-up), batch-norm statistics copied from the trained generator; null: none. Sampling uses it when present.</summary>
    public double? EmaDecay { get; init; }

    /// <summary>The batch-norm statistics that sampling (grids, generate, evaluate) uses by default.</summary>
    public BatchNormMode SamplingBatchNorm { get; init; } = BatchNormMode.Moving;

    /// <summary>The tutorial's arithmetic exactly: tf.keras.optimizers.Adam(1e-4) for both models (beta_1 0.9, beta_2
    /// 0.999, epsilon 1e-7, Keras's epsilon rule), cross-entropy on logits with targets 1 and 0.</summary>
    public static Recipe Tutorial { get; } = new()
    {
        Name = "tutorial",
        Summary = "TensorFlow's DCGAN tutorial exactly: Adam(1e-4) for both models, Keras's defaults",
        GeneratorAdam = new(1e-4, 0.9, 0.999, Keras.AdamEpsilon, KerasEpsilon: true),
        DiscriminatorAdam = new(1e-4, 0.9, 0.999, Keras.AdamEpsilon, KerasEpsilon: true),
    };

    /// <summary>The same models trained for good digits sooner: the DCGAN paper's Adam (Radford et al. 2016: learning
    /// rate 2e-4, beta_1 0.5, since 0.9 "resulted in training oscillation and instability"), a moving average of the
    /// generator's weights (decay 0.99) to sample from, with batch-norm statistics re-estimated for those weights.
    /// The README's "Recipes" has the measured effect of each part.</summary>
    public static Recipe DcganEma { get; } = new()
    {
        Name = "dcgan-ema",
        Summary = "the DCGAN paper's Adam(2e-4, beta1 0.5), sampling from a moving average of the generator with precise batch-norm statistics",
        GeneratorAdam = new(2e-4, 0.5, 0.999, Keras.AdamEpsilon, KerasEpsilon: true),
        DiscriminatorAdam = new(2e-4, 0.5, 0.999, Keras.AdamEpsilon, KerasEpsilon: true),
        EmaDecay = 0.99,
        SamplingBatchNorm = BatchNormMode.Precise,
    };

    /// <summary>The same models, no momentum and larger steps: Adam with beta_1 0 and beta_2 0.99 (Karras et al.'s
    /// StyleGAN, 2019) at twice the DCGAN paper's learning rate, 4e-4, for both models, sampling as
    /// <see cref="DcganEma"/> does. Momentum carries a gradient that the other model has already answered into the
    /// next steps; without it each step answers the opponent as it is now, which lets the steps be larger, and the
    /// moving average smooths what larger steps shake. The README's "Recipes" has the measured effect of each part.</summary>
    public static Recipe AdamB0Ema { get; } = DcganEma with
    {
        Name = "adam-b0-ema",
        Summary = "Adam(4e-4, beta1 0, beta2 0.99) for both models, sampling from a moving average of the generator with precise batch-norm statistics",
        GeneratorAdam = DcganEma.GeneratorAdam with { LearningRate = 4e-4, Beta1 = 0, Beta2 = 0.99 },
        DiscriminatorAdam = DcganEma.DiscriminatorAdam with { LearningRate = 4e-4, Beta1 = 0, Beta2 = 0.99 },
    };

    /// <summary><see cref="AdamB0Ema"/> in batches of 64 (the DCGAN paper used 128): four times the steps in the same
    /// epochs. Per image a step costs about what it costs in batches of 256, so an epoch takes about the same minutes,
    /// and a GAN learns more from more, smaller steps than from fewer exact ones. The README's "Recipes" has the
    /// measured effect.</summary>
    public static Recipe AdamB0EmaB64 { get; } = AdamB0Ema with
    {
        Name = "adam-b0-ema-b64",
        Summary = "adam-b0-ema in batches of 64: four times the steps in the same epochs",
        BatchSize = 64,
    };

    /// <summary><see cref="AdamB0EmaB64"/> without dropout in the discriminator. Dropout makes the discriminator judge
    /// each batch through a random 70 % of its features; without it the generator is trained against the
    /// discriminator's whole judgement, and in batches of 64 the digits improve sooner. (In batches of 256 it made no
    /// difference by epoch 10.) The README's "Recipes" has the measured effect.</summary>
    public static Recipe AdamB0EmaB64NoDropout { get; } = AdamB0EmaB64 with
    {
        Name = "adam-b0-ema-b64-nodrop",
        Summary = "adam-b0-ema-b64 without dropout in the discriminator",
        DiscriminatorDropout = 0,
    };

    /// <summary><see cref="AdamB0EmaB64NoDropout"/> with an R1 penalty (gamma 1, every 16 steps) on real images. The
    /// penalty flattens the discriminator's judgement around the real images, so that its push on the generator fades
    /// as the samples reach the data, instead of circling round it (Mescheder et al. 2018 show that unregularised GANs
    /// need not converge even near the data). The README's "Recipes" has the measured effect.</summary>
    public static Recipe AdamB0EmaB64NoDropoutR1 { get; } = AdamB0EmaB64NoDropout with
    {
        Name = "adam-b0-ema-b64-nodrop-r1",
        Summary = "adam-b0-ema-b64-nodrop with an R1 penalty (gamma 1) on real images",
        R1Gamma = 1,
    };

    /// <summary><see cref="AdamB0EmaB64NoDropoutR1"/> with InfoGAN's categorical code of 10 categories (Chen et al. 2016,
    /// lambda 1): the first 10 of the generator's 100 inputs are a one-hot category, and the generator is taught to make
    /// the category readable from its images by a linear head on the discriminator's features. A continuous generator
    /// fed continuous noise must pass through in-between shapes to get from one digit to another, and those are where
    /// the other recipes lose their classifier score; a category gives it separate regions of input to make separate
    /// digits from. No labels are used: which digit a category becomes is the training's own choice. The README's
    /// "Recipes" has the measured effect.</summary>
    public static Recipe AdamB0EmaB64NoDropoutR1Info10 { get; } = AdamB0EmaB64NoDropoutR1 with
    {
        Name = "adam-b0-ema-b64-nodrop-r1-info10",
        Summary = "adam-b0-ema-b64-nodrop-r1 with InfoGAN's code: 10 categories the generator makes tellable apart",
        CodeCategories = 10,
    };

    /// <summary><see cref="AdamB0EmaB64NoDropoutR1Info10"/> with the categories learnt from the training labels (AC-GAN,
    /// Odena et al. 2017): the code head also learns each real image's digit, so category k comes to be digit k, and
    /// generate --category k draws that digit. It needs the labels; the models are still the tutorial's. The README's
    /// "Recipes" has the measured effect.</summary>
    public static Recipe AdamB0EmaB64NoDropoutR1AcGan { get; } = AdamB0EmaB64NoDropoutR1Info10 with
    {
        Name = "adam-b0-ema-b64-nodrop-r1-acgan",
        Summary = "adam-b0-ema-b64-nodrop-r1-info10 with the 10 categories learnt from the training labels: category k is digit k (needs labels)",
        CodeFromLabels = true,
    };

    /// <summary>Every recipe --recipe knows, the default first.</summary>
    public static IReadOnlyList<Recipe> All { get; } =
        [Tutorial, DcganEma, AdamB0Ema, AdamB0EmaB64, AdamB0EmaB64NoDropout, AdamB0EmaB64NoDropoutR1, AdamB0EmaB64NoDropoutR1Info10, AdamB0EmaB64NoDropoutR1AcGan];

    public static IEnumerable<string> Names => All.Select(r => r.Name);

    /// <summary>The recipe of that name; an ArgumentException that lists the names otherwise.</summary>
    public static Recipe Named(string name) =>
        All.FirstOrDefault(r => r.Name == name)
        ?? throw new ArgumentException($"there is no recipe '{name}'; the recipes are {string.Join(", ", Names)}.");

    /// <summary>What --recipe takes: a recipe's name, or the path of a recipe file (see <see cref="Load"/>).</summary>
    public static Recipe Resolve(string nameOrFile) => IsFileName(nameOrFile) ? Load(nameOrFile) : Named(nameOrFile);

    /// <summary>Whether --recipe names a file rather than a recipe: it ends in .json.</summary>
    public static bool IsFileName(string nameOrFile) => nameOrFile.EndsWith(".json", StringComparison.OrdinalIgnoreCase);

    /// <summary>A recipe of the user's own, from a JSON file as <see cref="ToJson"/> writes it ('dcgan recipes NAME'
    /// prints one to start from; comments are allowed). Stricter than a checkpoint's recipe, whose missing fields are
    /// those of older versions: a missing or misspelt field is refused rather than left at its default, the numbers
    /// must pass <see cref="Problem"/>, and a built-in recipe's name may not be taken for other numbers (runs are
    /// compared by recipe name). Throws InvalidDataException, naming the file.</summary>
    public static Recipe Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"cannot read the recipe file {path} ({e.Message.TrimEnd('.')}).", e);
        }
        Recipe recipe;
        try
        {
            var fields = JsonNode.Parse(text, documentOptions: new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true })
                as JsonObject ?? throw new JsonException("it is not a JSON object");
            if (fields.Select(f => f.Key).FirstOrDefault(f => !FileFields.Contains(f)) is { } unknown)
            {
                throw new JsonException($"no recipe has a \"{unknown}\"");
            }
            if (FileFields.Except(LaterFileFields).FirstOrDefault(f => !fields.ContainsKey(f)) is { } missing)
            {
                throw new JsonException($"it has no \"{missing}\"");
            }
            recipe = fields.Deserialize<Recipe>(StrictJson) ?? throw new JsonException("it is null");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not a recipe ({e.Message.Split('\n')[0].TrimEnd('.')}); start from one that 'dcgan recipes NAME' prints.", e);
        }
        string? problem = string.IsNullOrWhiteSpace(recipe.Name) ? "its name is empty."
            : All.FirstOrDefault(r => r.Name == recipe.Name) is { } builtIn && !builtIn.TrainsAs(recipe)
                ? $"it calls itself {recipe.Name}, a built-in recipe, with other numbers; give it a name of its own."
            : recipe.Problem();
        return problem is null ? recipe : throw new InvalidDataException($"the recipe file {path} is refused: {problem}");
    }

    /// <summary>The fields a recipe file may have: those <see cref="ToJson"/> writes, so a field added to the record
    /// is known without a second list to keep in step.</summary>
    private static readonly string[] FileFields = [.. JsonNode.Parse(Tutorial.ToJson())!.AsObject().Select(f => f.Key)];

    /// <summary>Fields added after recipe files were, whose absence means what the files written before meant
    /// (no code), so that those files still load; every other field is required.</summary>
    private static readonly string[] LaterFileFields = ["code_categories", "code_weight", "code_from_labels"];

    // The Adam settings inside are checked field by field here.
    private static readonly JsonSerializerOptions StrictJson = new(IO.JsonFormat.SnakeCase)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectRequiredConstructorParameters = true,
    };

    /// <summary>Whether two recipes train alike: equal but for the summary, the batch size and the precision, which
    /// --batch-size and --precision set (and a resumed run compares on their own).</summary>
    public bool TrainsAs(Recipe other) =>
        this with { Summary = other.Summary, BatchSize = other.BatchSize, Precision = other.Precision } == other;

    /// <summary>The first problem with the numbers, in words free of command-line flags, or null.</summary>
    public string? Problem() =>
        NoiseSize != Generator.NoiseDim ? $"the noise size must be {Generator.NoiseDim}, the tutorial generator's input (got {NoiseSize})."
        : BatchSize < 1 ? $"the batch size must be at least 1 (got {BatchSize})."
        : Loss != "bce-logits" ? $"the loss '{Loss}' is unknown; the loss is bce-logits."
        : RealLabel is not (> 0.5 and <= 1) ? $"the real-image target must be above 0.5 and at most 1 (got {RealLabel})."
        : EmaDecay is not (null or (> 0 and < 1)) ? $"the moving average's decay must be between 0 and 1 (got {EmaDecay})."
        : DiscriminatorDropout is not (>= 0 and < 1) ? $"the discriminator's dropout rate must be at least 0 and below 1 (got {DiscriminatorDropout})."
        : !(double.IsFinite(R1Gamma) && R1Gamma >= 0) ? $"the R1 penalty's gamma must be 0 (none) or positive (got {R1Gamma})."
        : R1Every < 1 ? $"the R1 penalty's interval must be at least 1 step (got {R1Every})."
        : CodeCategories is not (0 or (>= 2 and < Generator.NoiseDim)) ? $"the code's categories must be 0 (none) or from 2 to {Generator.NoiseDim - 1} (got {CodeCategories})."
        : !(double.IsFinite(CodeWeight) && CodeWeight > 0) ? $"the code's weight must be positive (got {CodeWeight})."
        : CodeFromLabels && CodeCategories == 0 ? "a code from labels needs categories, one for each label."
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
        $"recipe {Name} ({Precision.ToString().ToLowerInvariant()}, batch {BatchSize}): generator Adam {GeneratorAdam.LearningRate:G3}/{GeneratorAdam.Beta1}, " +
        $"discriminator Adam {DiscriminatorAdam.LearningRate:G3}/{DiscriminatorAdam.Beta1}, real label {RealLabel}, discriminator dropout {DiscriminatorDropout}, " +
        $"{(R1Gamma > 0 ? $"R1 penalty {R1Gamma} every {R1Every} steps, " : "")}" +
        $"{(CodeCategories > 0 ? $"a code of {CodeCategories} categories{(CodeFromLabels ? " learnt from the labels" : "")} (weight {CodeWeight}), " : "")}" +
        $"{(EmaDecay is { } decay ? $"sampling a moving average (decay {decay})" : "sampling the trained weights")} with {SamplingBatchNorm.ToString().ToLowerInvariant()} batch-norm statistics");

    public string ToJson(bool indented = false) =>
        JsonSerializer.Serialize(this, indented ? IO.JsonFormat.SnakeCaseIndented : IO.JsonFormat.SnakeCase);

    public static Recipe FromJson(string json) =>
        JsonSerializer.Deserialize<Recipe>(json, IO.JsonFormat.SnakeCase) ?? throw new InvalidDataException("an empty recipe.");
}
