using System.Text.Json;

namespace Dcgan.Training;

/// <summary>
/// The built-in recipes: the JSON files of BuiltInRecipes/, embedded in the library and read by <see cref="Parse"/>
/// as a user's are. Adding one means adding a file. A recipe is named by one of their names, or is a recipe file.
/// </summary>
public sealed partial record Recipe
{
    private const string ResourcePrefix = "Dcgan.Training.BuiltInRecipes.";
    private const string FormerNamesFile = "former-names.json";

    /// <summary>The default: TensorFlow's tutorial exactly.</summary>
    public static Recipe Tutorial => Named("tutorial");

    /// <summary>Below this many images, a new run at any shape but 28x28 gray trains with dcgan-small (augmented) when
    /// no recipe is asked for: better than dcgan and dcgan-improved on 100 and 500 pictures, worse than dcgan-improved
    /// on 3,465 (docs/experiments.md, issue 47).</summary>
    public const int SmallSetImages = 1_000;

    /// <summary>The recipe a new run on <paramref name="images"/> images of <paramref name="shape"/> trains with when
    /// none is asked for: the tutorial's at 28x28 gray; at other shapes dcgan-small for fewer than
    /// <see cref="SmallSetImages"/> images, dcgan (the paper's) otherwise or when the count is not known.</summary>
    public static Recipe DefaultFor(Models.ImageShape shape, long? images = null) =>
        shape.IsTutorial ? Tutorial : images < SmallSetImages ? SmallSet : Named("dcgan");

    /// <summary>dcgan-small: dcgan-improved with adaptive augmentation, for a few hundred pictures.</summary>
    public static Recipe SmallSet => Named("dcgan-small");

    /// <summary>Every built-in recipe, the default first, then by name.</summary>
    public static IReadOnlyList<Recipe> BuiltIn => BuiltInRecipes.Value;

    public static IEnumerable<string> BuiltInNames => BuiltIn.Select(r => r.Name);

    private static readonly Lazy<IReadOnlyList<Recipe>> BuiltInRecipes = new(() =>
    [
        .. ResourceNames()
            .Where(name => name != FormerNamesFile)
            .Select(name => Parse(ReadResource(name), $"the built-in recipe {name}"))
            .OrderBy(r => r.Name != "tutorial")
            .ThenBy(r => r.Name, StringComparer.Ordinal),
    ]);

    /// <summary>Former built-in names, and what each is now: a built-in recipe's name, or an experiment's file.</summary>
    public static IReadOnlyDictionary<string, string> FormerNames => Former.Value;

    private static readonly Lazy<IReadOnlyDictionary<string, string>> Former = new(() =>
        JsonSerializer.Deserialize<Dictionary<string, string>>(ReadResource(FormerNamesFile), WithComments)!);

    private static readonly JsonSerializerOptions WithComments = new() { ReadCommentHandling = JsonCommentHandling.Skip };

    /// <summary>The built-in recipe of that name; an ArgumentException that says what to give otherwise.</summary>
    public static Recipe Named(string name) =>
        BuiltIn.FirstOrDefault(r => r.Name == name) ?? throw new ArgumentException(Unknown(name));

    /// <summary>The recipe a name stands for: a built-in recipe's name, or the path of a recipe file.</summary>
    public static Recipe Resolve(string nameOrFile) => IsFileName(nameOrFile) ? Load(nameOrFile) : Named(nameOrFile);

    /// <summary>Whether a recipe's name is a file's rather than a built-in recipe's: it ends in .json.</summary>
    public static bool IsFileName(string nameOrFile) => nameOrFile.EndsWith(".json", StringComparison.OrdinalIgnoreCase);

    /// <summary>Why <paramref name="name"/> names no recipe, or null when it names one.</summary>
    public static string? NameProblem(string name) =>
        IsFileName(name) || BuiltInNames.Contains(name) ? null : Unknown(name);

    /// <summary>The built-in recipe that trains as <paramref name="recipe"/> does, whatever it is called, or null.</summary>
    public static Recipe? BuiltInLike(Recipe recipe) => BuiltIn.FirstOrDefault(r => r.TrainsAs(recipe));

    /// <summary>Why a name is refused, beginning with the name, so that it reads after a command line's option too.</summary>
    private static string Unknown(string name) =>
        FormerNames.TryGetValue(name, out string? now)
            ? IsFileName(now)
                ? $"{name} is no longer built in: it is an experiment, kept as {now} in the source; name that file instead."
                : $"{name} is now called {now} (the same numbers); name {now} instead."
            : $"{name} is not a recipe; the recipes are {string.Join(", ", BuiltInNames)} ('dcgan recipes' says what each is for), or a recipe file (.json).";

    private static IEnumerable<string> ResourceNames() =>
        typeof(Recipe).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            .Select(n => n[ResourcePrefix.Length..]);

    private static string ReadResource(string name)
    {
        using var stream = typeof(Recipe).Assembly.GetManifestResourceStream(ResourcePrefix + name)
            ?? throw new InvalidOperationException($"the library lacks its embedded {name}; it was built without BuiltInRecipes/.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
