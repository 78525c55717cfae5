using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Dcgan.Training;

/// <summary>
/// A recipe's conditioning on categories, the part of a <see cref="Gan"/> beside its two models: InfoGAN's code head
/// (Q), which guesses an image's category from the discriminator's features (with labels, AC-GAN's), and the
/// projection discriminator's class embedding, which adds &lt;embedding(y), features&gt; to its logit. Both learn with
/// the discriminator, by its optimizer. A recipe without a code or labels has neither, and this part does nothing.
/// </summary>
internal sealed class Conditioning : IDisposable
{
    private readonly Recipe recipe;

    /// <summary>The parts <paramref name="recipe"/> asks for, for a discriminator of <paramref name="features"/> features
    /// in <paramref name="dtype"/>: the code head first, then the embedding (the order their first weights are drawn in).</summary>
    public Conditioning(Recipe recipe, int features, ScalarType dtype)
    {
        this.recipe = recipe;
        if (recipe.CodeCategories > 0 && recipe.CodeWeight > 0)
        {
            CodeHead = torch.nn.Linear(features, recipe.CodeCategories, dtype: dtype);
        }
        if (recipe.LabelProjection)
        {
            // Zero at the start: the discriminator begins as the tutorial's, and learns what each class adds.
            LabelEmbedding = torch.nn.Embedding(recipe.CodeCategories, features, dtype: dtype);
            using (torch.no_grad())
            {
                LabelEmbedding.weight!.zero_();
            }
        }
        CodeParameters = [.. CodeHead?.parameters() ?? []];
        EmbeddingParameters = [.. LabelEmbedding?.parameters() ?? []];
    }

    public Linear? CodeHead { get; }
    public Embedding? LabelEmbedding { get; }
    public Parameter[] CodeParameters { get; }
    public Parameter[] EmbeddingParameters { get; }

    /// <summary>The discriminator's <paramref name="logits"/> for <paramref name="features"/>, plus the projection of
    /// <paramref name="categories"/> when there is an embedding and categories are given (in place).</summary>
    public Tensor Judge(Tensor logits, Tensor features, Tensor? categories)
    {
        if (LabelEmbedding is null || categories is null)
        {
            return logits;
        }
        using var projection = LabelEmbedding.call(categories).mul(features).sum(1, keepdim: true);
        using var one = 1L.ToScalar(); // held through the call (Models/HeldScalars.cs)
        return logits.add_(projection, one);
    }

    /// <summary>InfoGAN's mutual-information term: lambda times the cross-entropy of the code head's guess at each fake's
    /// category, <paramref name="fakeCategories"/> (with <paramref name="reals"/>, AC-GAN's: plus that of its guess at each
    /// real image's label, which only the discriminator's side learns from). Its gradient is added to the discriminator's
    /// (<paramref name="discriminatorParameters"/>) and the code head's; the returned gradient at the fakes, for the
    /// generator, is what it adds to <paramref name="discLossAtFakes"/>, the disc_loss gradient already there.</summary>
    public Tensor CodeLossBackward(Tensor fakeCategories, Tensor fakeFeatures, Tensor fakes, Tensor discLossAtFakes,
        (Tensor Features, Tensor Labels)? reals, Parameter[] discriminatorParameters)
    {
        using var weight = recipe.CodeWeight.ToScalar(); // held through the calls (Models/HeldScalars.cs)
        var fakeCodeLoss = cross_entropy(CodeHead!.call(fakeFeatures), fakeCategories).mul(weight);
        // Without CodeHeadOnFakes, the fakes' term only reaches the fakes, for the generator; the head and the
        // discriminator learn the code from the real images alone.
        Tensor[] learners = recipe.CodeHeadOnFakes ? [.. discriminatorParameters, .. CodeParameters, fakes] : [fakes];
        fakeCodeLoss.backward(retain_graph: true, inputs: learners);
        if (reals is var (realFeatures, labels))
        {
            var realCodeLoss = cross_entropy(CodeHead.call(realFeatures), labels).mul(weight);
            realCodeLoss.backward(retain_graph: true, inputs: [.. discriminatorParameters, .. CodeParameters]);
        }
        return fakes.grad!.sub(discLossAtFakes);
    }

    public void Dispose()
    {
        CodeHead?.Dispose();
        LabelEmbedding?.Dispose();
    }
}
