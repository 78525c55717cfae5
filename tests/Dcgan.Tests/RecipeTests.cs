using Dcgan.Runs;
using Dcgan.Training;

namespace Dcgan.Tests;

/// <summary>The built-in recipes are files, read as a user's are; the names they had before still lead somewhere.</summary>
public class RecipeTests
{
    private static readonly Data.ImageSet Data = Fixtures.Images(16);

    [Fact]
    public void Every_built_in_recipe_is_a_file_that_the_users_loader_reads_back_as_itself()
    {
        var files = typeof(Recipe).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith("Dcgan.Training.BuiltInRecipes.", StringComparison.Ordinal) && !n.EndsWith("former-names.json", StringComparison.Ordinal))
            .ToList();
        using var dir = new TempFolder();

        Assert.Equal(files.Count, Recipe.BuiltIn.Count);
        Assert.InRange(Recipe.BuiltIn.Count, 1, 8); // few enough to choose from: four at most for each family of models
        Assert.Equal("tutorial", Recipe.BuiltIn[0].Name); // the default first
        Assert.Equal(Recipe.BuiltIn.Count, Recipe.BuiltInNames.Distinct().Count());
        Assert.All(files, f => Assert.Contains(Recipe.BuiltIn, r => f.EndsWith($".{r.Name}.json", StringComparison.Ordinal))); // file named as the recipe
        Assert.All(Recipe.BuiltIn, r =>
        {
            Assert.Null(r.Problem());
            Assert.InRange(r.Summary.Length, 1, 90); // one line of 'dcgan recipes'
            string file = dir.File($"{r.Name}.json");
            File.WriteAllText(file, r.ToJson(indented: true));
            Assert.Equal(r, Recipe.Load(file));
            Assert.Same(r, Recipe.BuiltInLike(r with { Name = "another", BatchSize = 7 }));
        });
    }

    [Fact]
    public void A_former_name_is_refused_in_one_line_that_names_what_it_is_now_and_that_recipe_trains_as_the_old_one_did()
    {
        Assert.NotEmpty(Recipe.FormerNames);
        Assert.All(Recipe.FormerNames, former =>
        {
            string problem = Recipe.NameProblem(former.Key)!;
            Assert.DoesNotContain('\n', problem);
            Assert.StartsWith(former.Key + " ", problem);
            Assert.Contains(former.Value, problem);
            Assert.Throws<ArgumentException>(() => Recipe.Named(former.Key));
            // What it is now exists: a built-in recipe, or an experiment's file that loads under the former name.
            var now = Recipe.IsFileName(former.Value) ? Recipe.Load(Fixtures.RepositoryFile(former.Value)) : Recipe.Named(former.Value);
            Assert.Equal(Recipe.IsFileName(former.Value) ? former.Key : former.Value, now.Name);
        });
        // The experiments still lead, one change at a time, to the improved recipe.
        var noDropout = Recipe.Load(Fixtures.RepositoryFile("docs/experiments/recipes/adam-b0-ema-b64-nodrop.json"));
        Assert.True((noDropout with { R1Gamma = 1 }).TrainsAs(Recipe.Named("improved")));
        Assert.True((Recipe.Named("improved") with { CodeCategories = 10 }).TrainsAs(Recipe.Named("infogan")));
        var acgan = Recipe.Load(Fixtures.RepositoryFile("docs/experiments/recipes/adam-b0-ema-b64-nodrop-r1-acgan.json"));
        Assert.True((Recipe.Named("infogan") with { CodeFromLabels = true }).TrainsAs(acgan));
        // The labelled recipe: the improved one, the labels as its input's category and in a projection discriminator.
        Assert.True((Recipe.Named("improved") with { CodeCategories = 10, CodeWeight = 0, CodeFromLabels = true, LabelProjection = true })
            .TrainsAs(Recipe.Named("conditional")));
        // The improved training carries over to the paper's models unchanged.
        Assert.True((Recipe.Named("improved") with { Models = ModelFamily.Paper, Width = 64 }).TrainsAs(Recipe.Named("dcgan-improved")));
        // The same for the paper's models: dcgan-improved with the labels as its input's category and in a projection,
        // and the first dcgan-conditional, dcgan's training with the same, kept as the experiment that measured it.
        Assert.True((Recipe.Named("dcgan-improved") with { CodeCategories = 10, CodeWeight = 0, CodeFromLabels = true, LabelProjection = true })
            .TrainsAs(Recipe.Named("dcgan-conditional")));
        var first = Recipe.Load(Fixtures.RepositoryFile("docs/experiments/recipes/dcgan-conditional-dcgan.json"));
        Assert.True((Recipe.Named("dcgan") with { CodeCategories = 10, CodeWeight = 0, CodeFromLabels = true, LabelProjection = true }).TrainsAs(first));
    }

    [Fact]
    public void A_run_saved_under_a_former_name_resumes_bit_for_bit_under_the_new_name_or_none()
    {
        using var dir = new TempFolder();
        // A checkpoint as the tool wrote it before the rename: the improved recipe's numbers under its old name.
        string oldName = dir.File("old.json");
        File.WriteAllText(oldName, (Recipe.Named("improved") with { Name = "adam-b0-ema-b64-nodrop-r1" }).ToJson());
        var options = new TrainOptions { Recipe = Recipe.Resolve(oldName), Epochs = 2, BatchSize = 8, ExamplesToGenerate = 4, Seed = 3, CheckpointEvery = 1 };
        var whole = new RunFolder(dir.File("whole"));
        var renamed = new RunFolder(dir.File("renamed"));
        var unnamed = new RunFolder(dir.File("unnamed"));
        Trainer.Run(Data, options, whole);
        Trainer.Run(Data, options with { Epochs = 1 }, renamed);
        Fixtures.CopyFolder(renamed.Path, unnamed.Path); // the same first epoch, trained once

        Trainer.Run(Data, options with { Recipe = Recipe.Named("improved") }, renamed);
        Trainer.Run(Data, options with { Recipe = null }, unnamed);
        var otherwise = Assert.Throws<RunConflictException>(() => Trainer.Run(Data, options with { Epochs = 3, Recipe = Recipe.Named("infogan") }, unnamed));

        RunAssert.SameFinalWeights(whole, renamed);
        RunAssert.SameFinalWeights(whole, unnamed);
        Assert.Equal("adam-b0-ema-b64-nodrop-r1", Checkpoint.ReadRecipe(renamed.LatestCheckpoint()!).Name); // the run keeps its own record
        Assert.Equal("improved", otherwise.Resumable); // what to name to resume it
    }
}
