using System.CommandLine;
using Dcgan.Training;

namespace Dcgan.Cli;

/// <summary>dcgan recipes: the recipes --recipe takes, and any one of them as JSON to start a recipe of your own from.</summary>
internal static class RecipesCommand
{
    public static Command Create()
    {
        var recipe = new Argument<string?>("recipe")
        {
            Description = "A recipe's name (or a recipe file, to check it): print it as JSON",
            Arity = ArgumentArity.ZeroOrOne,
        };
        recipe.CompletionSources.Add([.. Recipe.Names]);
        var command = new Command("recipes", "List the recipes, or print one as JSON: save it, change its numbers and name, and train with\n" +
            "--recipe FILE.json. Every field must be there, each number is checked, and a resumed run keeps its own recipe.\n" +
            "Example: dcgan recipes adam-b0-ema-b64-nodrop-r1 > my-recipe.json") { recipe };
        command.SetAction(parsed => UserErrors.Run(() =>
        {
            if (parsed.GetValue(recipe) is { } name)
            {
                Console.WriteLine(Recipe.Resolve(name).ToJson(indented: true));
                return 0;
            }
            int width = Recipe.Names.Max(n => n.Length);
            Console.WriteLine($"{"recipe".PadRight(width)}  batch  what it is");
            foreach (var r in Recipe.All)
            {
                Console.WriteLine($"{r.Name.PadRight(width)}  {r.BatchSize,5}  {r.Summary}");
            }
            return 0;
        }));
        return command;
    }
}
