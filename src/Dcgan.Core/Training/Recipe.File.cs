using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Dcgan.Training;

/// <summary>
/// Reads a recipe file: JSON as <see cref="Recipe.ToJson"/> writes it, comments allowed. The built-in recipes and a
/// user's recipe file go through the same checks. Stricter than a checkpoint's recipe, whose missing fields are
/// those of older versions: a missing, misspelt or repeated field is refused rather than left at its default, and the
/// numbers must pass <see cref="Recipe.Problem"/>. Every refusal is an InvalidDataException that names the file.
/// </summary>
public sealed partial record Recipe
{
    /// <summary>A recipe of the user's own. Its name may not be a built-in recipe's with other numbers.</summary>
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
        var recipe = Parse(text, path);
        string? problem = BuiltIn.FirstOrDefault(r => r.Name == recipe.Name) is { } builtIn && !builtIn.TrainsAs(recipe)
            ? $"it calls itself {recipe.Name}, a built-in recipe, with other numbers; give it a name of its own."
            : null;
        return problem is null ? recipe : throw new InvalidDataException($"the recipe file {path} is refused: {problem}");
    }

    /// <summary>The recipe in <paramref name="text"/>; <paramref name="source"/> names it in messages.</summary>
    public static Recipe Parse(string text, string source)
    {
        Recipe recipe;
        try
        {
            var fields = JsonNode.Parse(text, documentOptions: ReadOptions) as JsonObject ?? throw new JsonException("it is not a JSON object");
            if (RepeatedField(text) is { } repeated)
            {
                throw new JsonException($"it gives \"{repeated}\" twice");
            }
            if (fields.Select(f => f.Key).FirstOrDefault(f => !Fields.Contains(f)) is { } unknown)
            {
                throw new JsonException($"no recipe has a \"{unknown}\"");
            }
            if (Fields.Except(LaterFields).FirstOrDefault(f => !fields.ContainsKey(f)) is { } missing)
            {
                throw new JsonException($"it has no \"{missing}\"");
            }
            recipe = fields.Deserialize<Recipe>(StrictJson) ?? throw new JsonException("it is null");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source} is not a recipe ({e.Message.Split('\n')[0].TrimEnd('.')}); start from one that 'dcgan recipes NAME' prints.", e);
        }
        string? problem = string.IsNullOrWhiteSpace(recipe.Name) ? "its name is empty." : recipe.Problem();
        return problem is null ? recipe : throw new InvalidDataException($"the recipe file {source} is refused: {problem}");
    }

    private static readonly JsonDocumentOptions ReadOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>The first top-level field given twice, or null. JsonObject would throw a message about dictionary keys.</summary>
    private static string? RepeatedField(string text)
    {
        using var document = JsonDocument.Parse(text, ReadOptions);
        var seen = new HashSet<string>();
        return document.RootElement.EnumerateObject().Select(p => p.Name).FirstOrDefault(name => !seen.Add(name));
    }

    // The Adam settings inside are checked field by field here.
    private static readonly JsonSerializerOptions StrictJson = new(IO.JsonFormat.SnakeCase)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectRequiredConstructorParameters = true,
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
    };

    /// <summary>The fields a recipe file may have: the record's own, as the JSON options name them, so a field added to
    /// the record is known without a second list to keep in step.</summary>
    private static readonly string[] Fields =
        [.. StrictJson.GetTypeInfo(typeof(Recipe)).Properties.Where(p => p.Get is not null).Select(p => p.Name)];

    /// <summary>Fields added after recipe files were, whose absence means what the files written before meant
    /// (no code, the conditioning of AC-GAN, the tutorial's models, no augmentation; the shape is the run's), so that those files still
    /// load; every other field is required.</summary>
    private static readonly string[] LaterFields =
        ["code_categories", "code_weight", "code_from_labels", "code_head_on_fakes", "label_projection", "class_batch_norm", "category_names",
            "models", "width", "image", "augment", "discriminator_first"];
}
