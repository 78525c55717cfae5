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
            HelpName = "name|file.json",
            Description = "A recipe's name (or a recipe file, to check it): print it as JSON",
            Arity = ArgumentArity.ZeroOrOne,
        };
        recipe.CompletionSources.Add([.. Recipe.BuiltInNames]);
        var command = new Command("recipes", "List the recipes, or print one as JSON to start a recipe file of your own from (docs/recipes.md).\n" +
            "Example: dcgan recipes improved > my-recipe.json") { recipe };
        command.SetAction(parsed => UserErrors.Run(parsed, () =>
        {
            if (parsed.GetValue(recipe) is { } name)
            {
                Console.WriteLine(Recipe.Resolve(name).ToJson(indented: true));
                return 0;
            }
            int width = Recipe.BuiltInNames.Max(n => n.Length);
            Console.WriteLine($"{"recipe".PadRight(width)}  batch  what it is for");
            foreach (var r in Recipe.BuiltIn)
            {
                Console.WriteLine($"{r.Name.PadRight(width)}  {r.BatchSize,5}  {r.Summary}");
            }
            return 0;
        }));
        return command;
    }
}
