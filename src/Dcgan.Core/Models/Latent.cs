using TorchSharp;
using static TorchSharp.torch;

namespace Dcgan.Models;

/// <summary>
/// What the generator's noise_dim = 100 inputs are drawn from: Gaussian noise, tf.random.normal([n, noise_dim]) in the
/// tutorial. With <see cref="Categories"/> K above 0, the first K inputs are instead a one-hot category, drawn
/// uniformly (InfoGAN's categorical code, Chen et al. 2016): the generator's layers are the same, only what it is fed
/// changes, and a recipe with such a code also teaches the generator to make the category readable from its images.
/// </summary>
public sealed record Latent(int Categories = 0)
{
    /// <summary>What each category is called, when its labels came from named classes (folders of images); null:
    /// categories are known by number.</summary>
    public IReadOnlyList<string>? Names { get; init; }

    /// <summary>Category <paramref name="category"/>'s name: its number, or its number and class name.</summary>
    public string Describe(int category) => Names is { } names ? $"{category} ({names[category]})" : $"{category}";

    /// <summary>The category a user names: its number, or the name of its class. An ArgumentException that lists the
    /// categories otherwise.</summary>
    public int CategoryOf(string text)
    {
        if (Categories == 0)
        {
            throw new ArgumentException("this generator was trained without a categorical code; leave out the category.");
        }
        if (Names?.ToList().IndexOf(text) is >= 0 and var index)
        {
            return index;
        }
        if (int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int number)
            && number >= 0 && number < Categories)
        {
            return number;
        }
        throw new ArgumentException(Names is { } names
            ? $"there is no category '{text}'; choose a number from 0 to {Categories - 1} or one of: {string.Join(", ", names)}."
            : $"the category must be from 0 to {Categories - 1} (got {text}).");
    }

    /// <summary>The category every draw takes, when set (drawing one category); null: each draws its own.</summary>
    public int? FixedCategory { get; init; }

    /// <summary>The tutorial's input: all Gaussian.</summary>
    public static Latent Gaussian { get; } = new();

    /// <summary>[count, 100] inputs from <paramref name="random"/> (torch's global generator when null): the Gaussian
    /// noise first, then, with a code, the categories, so a run without one draws exactly what the tutorial draws.</summary>
    public Tensor Draw(long count, torch.Generator? random = null)
    {
        var noise = torch.randn([count, Generator.NoiseDim], generator: random);
        if (Categories == 0)
        {
            return noise;
        }
        using var categories = torch.randint(0, Categories, [count], generator: random);
        if (FixedCategory is { } category)
        {
            using var held = ((long)category).ToScalar(); // held through the call (HeldScalars.cs)
            categories.fill_(held); // after the draw, so the same seed gives the same noise in every category
        }
        return WithCategories(noise, categories);
    }

    /// <summary>This input with every draw in <paramref name="category"/>; an ArgumentException that says which
    /// categories there are otherwise.</summary>
    public Latent InCategory(int category) =>
        Categories == 0 ? throw new ArgumentException("this generator was trained without a categorical code; leave out the category.")
        : category >= 0 && category < Categories ? this with { FixedCategory = category }
        : throw new ArgumentException($"the category must be from 0 to {Categories - 1} (got {category}).");

    /// <summary>As <see cref="Draw"/>, with the categories taken in turn (row i has category i mod K), so that a grid
    /// of them shows every category; the random numbers drawn are the same.</summary>
    public Tensor DrawInTurn(long count, torch.Generator? random = null)
    {
        var noise = Draw(count, random);
        if (Categories > 0)
        {
            using var scalars = new HeldScalars();
            using var inTurn = scalars.Range(count).remainder(scalars.Of(Categories));
            WithCategories(noise, inTurn);
        }
        return noise;
    }

    /// <summary><paramref name="noise"/> with its first <see cref="Categories"/> entries set, in place, to the one-hot
    /// form of <paramref name="categories"/> [N] (integers below <see cref="Categories"/>); returns it.</summary>
    public Tensor WithCategories(Tensor noise, Tensor categories)
    {
        using var oneHot = torch.nn.functional.one_hot(categories, Categories);
        noise.narrow(1, 0, Categories).copy_(oneHot);
        return noise;
    }

    /// <summary>The category each row of <paramref name="noise"/> was drawn with, [N].</summary>
    public Tensor CategoriesOf(Tensor noise) => noise.narrow(1, 0, Categories).argmax(1);
}
