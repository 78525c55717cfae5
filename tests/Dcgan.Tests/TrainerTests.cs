using Dcgan.Data;
using Dcgan.Evaluation;
using Dcgan.Models;
using Dcgan.Runs;
using Dcgan.Training;
using TorchSharp;

namespace Dcgan.Tests;

/// <summary>Determinism and exact resume of whole runs, on a tiny dataset.</summary>
public class TrainerTests
{
    private static readonly ImageSet Data = Fixtures.Images(40);

    private static TrainOptions Options(int epochs) => new()
    {
        Epochs = epochs,
        BatchSize = 16, // 40 images: batches of 16, 16 and 8
        CheckpointEvery = 1,
        ExamplesToGenerate = 4,
        Seed = 123,
        SelfCheck = false, // these tests are of the run's bookkeeping, not of this CPU's kernels (KernelCheckTests)
    };

    [Fact]
    public void Same_seed_gives_the_same_weights()
    {
        using var dir = new TempFolder();
        var first = new RunFolder(dir.File("a"));
        var second = new RunFolder(dir.File("b"));

        Trainer.Run(Data, Options(2), first);
        Trainer.Run(Data, Options(2), second);

        RunAssert.SameFinalWeights(first, second);
        Assert.Equal(File.ReadAllBytes(first.ImageAtEpoch(2)), File.ReadAllBytes(second.ImageAtEpoch(2)));
    }

    /// <summary>A run stopped after its first epoch and resumed ends bit for bit like one that was not: both models,
    /// the moving average, the code head and label embedding, both Adams' states, and the last grid. Five steps an
    /// epoch, so improved's penalty (every 16 steps) falls on step 0 and not on step 5, the first after the resume,
    /// which a count kept outside the checkpoint would start again from 0.</summary>
    [Theory]
    [InlineData("tutorial")]
    [InlineData("improved")]     // R1, a moving average the grids are drawn from with precise statistics
    [InlineData("infogan")]      // a categorical code and its head
    [InlineData("conditional")]  // labels shuffled with their images, a projection discriminator
    public void Stopping_after_an_epoch_and_resuming_ends_bit_for_bit_like_an_uninterrupted_run(string recipe)
    {
        using var dir = new TempFolder();
        var data = Fixtures.Images(40).WithLabels([.. Enumerable.Range(0, 40).Select(i => (byte)(i * 7 % 10))]);
        var options = Options(2) with { Recipe = Recipe.Named(recipe), BatchSize = 8 };
        var whole = new RunFolder(dir.File("whole"));
        var resumed = new RunFolder(dir.File("resumed"));

        Trainer.Run(data, options, whole);
        Trainer.Run(data, options with { Epochs = 1 }, resumed);
        Trainer.Run(data, options with { Seed = null }, resumed); // a resume keeps the run's own seed

        RunAssert.SameFinalWeights(whole, resumed);
        Assert.Equal(File.ReadAllBytes(whole.ImageAtEpoch(2)), File.ReadAllBytes(resumed.ImageAtEpoch(2)));
    }

    [Fact]
    public void Ctrl_C_mid_epoch_saves_the_exact_state_and_resumes_from_it()
    {
        using var dir = new TempFolder();
        var whole = new RunFolder(dir.File("whole"));
        var interrupted = new RunFolder(dir.File("interrupted"));
        Trainer.Run(Data, Options(2), whole);

        using var ctrlC = new CancellationTokenSource();
        var stopInEpoch2 = new Listener { OnStep = s => { if (s.Epoch == 2 && s.Step == 1) ctrlC.Cancel(); } };
        var e = Assert.Throws<TrainingInterruptedException>(() => Trainer.Run(Data, Options(2), interrupted, [stopInEpoch2], cancel: ctrlC.Token));

        Assert.Equal(interrupted.CheckpointAt(1, 1), e.CheckpointPath);
        Trainer.Run(Data, Options(2), interrupted);

        RunAssert.SameFinalWeights(whole, interrupted);
        // The Ctrl+C checkpoint is superseded by the end-of-epoch one and removed.
        Assert.Equal(new[] { "epoch-0001.ckpt", "epoch-0002.ckpt" }, interrupted.Checkpoints().Select(Path.GetFileName));
    }

    [Fact]
    public void Losses_csv_keeps_every_step_once_across_a_resume_and_matches_an_uninterrupted_run()
    {
        using var dir = new TempFolder();
        var whole = new RunFolder(dir.File("whole"));
        var interrupted = new RunFolder(dir.File("interrupted"));
        Trainer.Run(Data, Options(2), whole);
        using var ctrlC = new CancellationTokenSource();
        var stop = new Listener { OnStep = s => { if (s.Epoch == 2 && s.Step == 2) ctrlC.Cancel(); } };
        Assert.Throws<TrainingInterruptedException>(() => Trainer.Run(Data, Options(2), interrupted, [stop], cancel: ctrlC.Token));
        File.AppendAllText(interrupted.Losses.Path, "2,3,0.5,1.2,0.5,0.5,0.1\n"); // as if a killed run had logged a step past the checkpoint

        Trainer.Run(Data, Options(2), interrupted);

        static string[] Values(RunFolder run) => [.. run.Losses.Read().Select(r => string.Join(",", r.Take(6)))]; // all but the seconds
        Assert.Equal(6, Values(whole).Length); // 2 epochs of 3 steps
        Assert.Equal(Values(whole), Values(interrupted));
        Assert.Equal(LossLog.Header, File.ReadLines(interrupted.Losses.Path).First());
        Assert.True(File.Exists(interrupted.LossPlotPath));
    }

    [Fact]
    public void Damaged_latest_checkpoint_is_reported_and_the_previous_one_used()
    {
        using var dir = new TempFolder();
        var whole = new RunFolder(dir.File("whole"));
        var damaged = new RunFolder(dir.File("damaged"));
        Trainer.Run(Data, Options(3), whole);
        Trainer.Run(Data, Options(2), damaged);
        byte[] bytes = File.ReadAllBytes(damaged.CheckpointAt(2));
        File.WriteAllBytes(damaged.CheckpointAt(2), bytes[..(bytes.Length / 2)]);
        var log = new List<string>();

        Trainer.Run(Data, Options(3), damaged, [Listener.Messages(log)]);

        Assert.Contains(log, l => l.StartsWith("Skipping epoch-0002.ckpt: ", StringComparison.Ordinal) && l.Contains("truncated", StringComparison.Ordinal));
        Assert.Contains(log, l => l.Contains("at epoch 2 of 3", StringComparison.Ordinal));
        RunAssert.SameFinalWeights(whole, damaged);
        // Nothing is deleted: the damaged file is kept aside, not written over by the epoch trained again.
        Assert.Equal(bytes[..(bytes.Length / 2)], File.ReadAllBytes(damaged.CheckpointAt(2) + ".damaged"));
        Assert.Equal(["epoch-0001.ckpt", "epoch-0002.ckpt", "epoch-0003.ckpt"], damaged.Checkpoints().Select(Path.GetFileName));
    }

    [Fact]
    public void Resume_refuses_a_different_recipe_batch_size_precision_seed_or_data()
    {
        using var dir = new TempFolder();
        var run = new RunFolder(dir.File("run"));
        Trainer.Run(Data, Options(1), run);

        var batch = Assert.Throws<RunConflictException>(() => Trainer.Run(Data, Options(2) with { BatchSize = 8 }, run));
        var precision = Assert.Throws<RunConflictException>(() => Trainer.Run(Data, Options(2) with { Precision = Precision.Bf16 }, run));
        var seed = Assert.Throws<RunConflictException>(() => Trainer.Run(Data, Options(2) with { Seed = 7 }, run));
        var data = Assert.Throws<ArgumentException>(() => Trainer.Run(Fixtures.Images(41), Options(2), run));
        var recipe = Assert.Throws<RunConflictException>(() => Trainer.Run(Data, Options(2) with { Recipe = Recipe.Named("improved") }, run));
        Assert.Contains("holds a run with recipe tutorial, not improved", recipe.Message);
        Assert.Equal("tutorial", recipe.Resumable);

        Assert.Contains("holds a run with batch size 16, not 8", batch.Message);
        Assert.Contains("holds a run with precision fp32, not bf16", precision.Message);
        Assert.Contains("holds a run with seed 123, not 7", seed.Message);
        Assert.Contains("trained on other images", data.Message);
        Assert.StartsWith("fastest is not a recipe; the recipes are tutorial, ", Recipe.NameProblem("fastest"));
        Assert.All(new ArgumentException[] { batch, precision, seed, data }, e => Assert.DoesNotContain("--", e.Message)); // the CLI names its flags
        Assert.Equal(Options(1).NewRecipe(), Checkpoint.ReadRecipe(run.Checkpoints()[^1])); // nothing was overwritten
    }

    /// <summary>Issue 47: without a recipe, a few hundred pictures at the paper's shapes train with augmentation.</summary>
    [Fact]
    public void A_new_run_of_a_few_pictures_without_a_recipe_trains_dcgan_small_and_says_why()
    {
        var colour = new Models.ImageShape(3, 32);
        Assert.Equal("dcgan-small", new TrainOptions().NewRecipe(null, colour, Recipe.SmallSetImages - 1).Name);
        Assert.Equal("dcgan", new TrainOptions().NewRecipe(null, colour, Recipe.SmallSetImages).Name);
        Assert.Equal("dcgan", new TrainOptions().NewRecipe(null, colour).Name); // the count not known: the paper's
        Assert.Equal("tutorial", new TrainOptions().NewRecipe(null, Models.ImageShape.Tutorial, 10).Name);
        Assert.Equal("dcgan-improved", new TrainOptions().NewRecipe(Recipe.Named("dcgan-improved"), colour, 10).Name);
        Assert.Equal(new AugmentSettings("color,translation,cutout", Target: AugmentSettings.DefaultTarget), Recipe.Named("dcgan-small").Augment);

        using var dir = new TempFolder();
        var log = new List<string>();
        Trainer.Run(Fixtures.Images(8, 16, 16), Options(1) with { BatchSize = 4 }, new RunFolder(dir.File("run")), [Listener.Messages(log)]);

        Assert.Contains(log, l => l.Contains("Training on 8 images", StringComparison.Ordinal) && l.Contains("recipe dcgan-small", StringComparison.Ordinal)
            && l.Contains("dcgan-small is the default for fewer than 1,000 images", StringComparison.Ordinal));
    }

    [Fact]
    public void A_resumed_run_keeps_its_recipe_and_precision_when_none_is_given()
    {
        using var dir = new TempFolder();
        var run = new RunFolder(dir.File("run"));
        var log = new List<string>();
        Trainer.Run(Data, Options(1) with { Precision = Precision.Bf16 }, run);

        Trainer.Run(Data, Options(2) with { BatchSize = null, Precision = null }, run, [Listener.Messages(log)]);

        Assert.Contains(log, l => l.Contains("recipe tutorial (bf16, batch 16)", StringComparison.Ordinal) && l.Contains("as saved", StringComparison.Ordinal));
        Assert.Equal(Precision.Bf16, Checkpoint.ReadRecipe(run.Checkpoints()[^1]).Precision);
        // Naming what was saved is no conflict.
        Trainer.Run(Data, Options(3) with { Recipe = Recipe.Named("tutorial"), Precision = Precision.Bf16 }, run);
    }

    [Fact]
    public void A_new_run_takes_its_recipes_batch_size_unless_one_is_given()
    {
        Assert.Equal(256, new TrainOptions().NewRecipe().BatchSize);
        Assert.Equal(64, new TrainOptions { Recipe = Recipe.Named("improved") }.NewRecipe().BatchSize);
        Assert.Equal(32, new TrainOptions { Recipe = Recipe.Named("improved"), BatchSize = 32 }.NewRecipe().BatchSize);
    }

    [Fact]
    public void The_discriminator_judges_through_dropout_only_when_the_recipe_has_it()
    {
        torch.manual_seed(5);
        using var images = torch.rand(4, 1, 28, 28) * 2 - 1;
        using var tutorial = new Gan();
        using var noDropout = new Gan(Recipe.Named("improved"));

        // In training mode the same images, judged twice, get the same logits only without dropout, and then the
        // same as in inference mode.
        using var withDropout1 = tutorial.Discriminator.call(images);
        using var withDropout2 = tutorial.Discriminator.call(images);
        using var without1 = noDropout.Discriminator.call(images);
        using var without2 = noDropout.Discriminator.call(images);
        noDropout.Discriminator.eval();
        using var inferred = noDropout.Discriminator.call(images);

        Assert.True(tutorial.Discriminator.training);
        Assert.False(Fixtures.Identical(withDropout1, withDropout2));
        Assert.True(Fixtures.Identical(without1, without2));
        Assert.True(Fixtures.Identical(without1, inferred));
    }

    [Fact]
    public void A_recipe_saved_before_the_dropout_and_R1_settings_reads_as_the_tutorials_and_bad_rates_are_refused()
    {
        var saved = System.Text.Json.Nodes.JsonNode.Parse(Recipe.Tutorial.ToJson())!.AsObject();
        Assert.True(saved.Remove("discriminator_dropout") && saved.Remove("r1_gamma") && saved.Remove("r1_every"));

        Assert.Equal(Recipe.Tutorial, Recipe.FromJson(saved.ToJsonString()));
        Assert.Equal(0.3, Recipe.Tutorial.DiscriminatorDropout);
        Assert.Null((Recipe.Tutorial with { DiscriminatorDropout = 0 }).Problem());
        Assert.All(new[] { -0.1, 1, double.NaN }, rate =>
            Assert.Contains("dropout rate must be at least 0 and below 1", (Recipe.Tutorial with { DiscriminatorDropout = rate }).Problem()));
        Assert.All(new[] { -1, 1, 100 }, categories =>
            Assert.Equal($"the code's categories must be 0 (none) or from 2 to 99 (got {categories}).", (Recipe.Tutorial with { CodeCategories = categories }).Problem()));
        Assert.All(new[] { -1, double.NaN, double.PositiveInfinity }, weight =>
            Assert.Contains("the code's weight must be 0 or positive", (Recipe.Tutorial with { CodeCategories = 10, CodeWeight = weight }).Problem()));
        // Without a classifier head, only a projection discriminator teaches the categories; each conditioning needs labels.
        Assert.Contains("may be 0 only with a label projection", (Recipe.Tutorial with { CodeCategories = 10, CodeWeight = 0 }).Problem());
        Assert.Null((Recipe.Tutorial with { CodeCategories = 10, CodeWeight = 0, CodeFromLabels = true, LabelProjection = true }).Problem());
        Assert.Equal("a label projection needs a code from labels.", (Recipe.Tutorial with { CodeCategories = 10, LabelProjection = true }).Problem());
        Assert.Equal("conditional batch norm needs a code from labels.", (Recipe.Tutorial with { CodeCategories = 10, ClassBatchNorm = true }).Problem());
        Assert.Equal("a code head that does not learn from the fakes needs a code from labels to learn from.",
            (Recipe.Tutorial with { CodeCategories = 10, CodeHeadOnFakes = false }).Problem());
        Assert.Null((Recipe.Tutorial with { CodeCategories = 99, CodeWeight = 0.1 }).Problem());
        Assert.Equal("a code from labels needs categories, one for each label.", (Recipe.Tutorial with { CodeFromLabels = true }).Problem());
    }

    [Fact]
    public void Every_recipe_written_as_json_loads_back_as_itself_and_a_file_that_is_not_exactly_a_recipe_is_refused()
    {
        using var dir = new TempFolder();
        string Write(string name, string text)
        {
            File.WriteAllText(dir.File(name), text);
            return dir.File(name);
        }
        string mine = (Recipe.Named("improved") with { Name = "mine", R1Gamma = 0.3 }).ToJson(indented: true);
        var refused = new (string Path, string Says)[]
        {
            (Write("missing.json", mine.Replace("\"r1_every\": 16,", "")), "(it has no \"r1_every\")"),
            (Write("misspelt.json", mine.Replace("r1_gamma", "r1_gama")), "(no recipe has a \"r1_gama\")"),
            (Write("adam.json", mine.Replace("\"beta2\": 0.99,", "")), "beta2"),
            (Write("text.json", mine.Replace("0.3", "\"0.3\"")), "r1_gamma"),
            (Write("label.json", mine.Replace("\"real_label\": 1", "\"real_label\": 0.2")), "refused: the real-image target must be above 0.5"),
            (Write("code.json", mine.Replace("\"code_categories\": 0", "\"code_categories\": 1")), "refused: the code's categories must be 0 (none) or from 2 to 99"),
            (Write("builtin.json", Recipe.Named("improved").ToJson().Replace("0.0004", "0.0008")), "refused: it calls itself improved, a built-in recipe, with other numbers"),
            (Write("empty.json", ""), "is not a recipe"),
            (Write("list.json", "[]"), "(it is not a JSON object)"),
            (dir.File("absent.json"), "cannot read the recipe file"),
        };

        Assert.All(Recipe.BuiltIn, recipe => Assert.Equal(recipe, Recipe.Load(Write($"{recipe.Name}.json", recipe.ToJson(indented: true)))));
        Assert.Equal(Recipe.Named("improved") with { Name = "mine", R1Gamma = 0.3 },
            Recipe.Resolve(Write("commented.json", mine.Replace("\"r1_every\": 16,", "\"r1_every\": 16, // lazy, as StyleGAN2"))));
        Assert.Equal(Recipe.Named("improved") with { BatchSize = 32 }, Recipe.Load(Write("b32.json", (Recipe.Named("improved") with { BatchSize = 32 }).ToJson())));
        // A file written before codes (no code fields) is still the recipe it was.
        string beforeCodes = mine.Replace("\"code_categories\": 0,", "").Replace("\"code_weight\": 1,", "").Replace("\"code_from_labels\": false,", "")
            .Replace("\"code_head_on_fakes\": true,", "").Replace("\"label_projection\": false,", "").Replace("\"class_batch_norm\": false,", "");
        Assert.DoesNotContain("code_", beforeCodes);
        Assert.Equal(Recipe.Named("improved") with { Name = "mine", R1Gamma = 0.3 }, Recipe.Load(Write("before-codes.json", beforeCodes)));
        Assert.All(refused, r =>
        {
            var e = Assert.Throws<InvalidDataException>(() => Recipe.Load(r.Path));
            Assert.Contains(r.Path, e.Message);
            Assert.Contains(r.Says, e.Message);
        });
    }

    [Fact]
    public void A_recipe_that_learns_from_labels_refuses_images_without_labels_or_with_labels_beyond_its_categories_before_writing_also_when_resumed()
    {
        using var dir = new TempFolder();
        var run = new RunFolder(dir.File("run"));
        var options = Options(1) with { Recipe = Recipe.Named("conditional") };

        var unlabelled = Assert.Throws<InvalidOptionException>(() => Trainer.Run(Data, options, run));
        var beyond = Assert.Throws<InvalidDataException>(() => Trainer.Run(Data.WithLabels([.. Enumerable.Repeat((byte)10, 40)]), options, run));

        Assert.Equal(("Labels", "the images' labels must be given: the recipe conditional learns from them, and these images have none (a label file, or a folder with one subfolder per class)."),
            (unlabelled.Problem.Setting, unlabelled.Message));
        Assert.Contains("has 10 categories, for labels 0 to 9, and the data has label 10", beyond.Message);
        Assert.False(Directory.Exists(run.Path), "refused before the run's folder is made or claimed");

        Trainer.Run(Data.WithLabels([.. Enumerable.Range(0, 40).Select(i => (byte)(i % 10))]), options, run);
        byte[] saved = File.ReadAllBytes(run.Checkpoints()[^1]);
        var resumedUnlabelled = Assert.Throws<InvalidOptionException>(() => Trainer.Run(Data, Options(2), run));
        Assert.Equal(unlabelled.Message, resumedUnlabelled.Message);
        Assert.Equal(saved, File.ReadAllBytes(run.Checkpoints()[^1]));
        Assert.Throws<ArgumentException>(() => Data.WithLabels([1, 2]));
        Assert.Equal([3, 4], Data.WithLabels([.. Enumerable.Range(3, 40).Select(i => (byte)i)]).Take(2).Labels!);
    }

    [Fact]
    public void A_run_of_a_recipe_file_resumes_with_that_file_and_refuses_an_edited_or_unreadable_one_without_touching_its_checkpoints()
    {
        using var dir = new TempFolder();
        var run = new RunFolder(dir.File("run"));
        var mine = Recipe.Named("improved") with { Name = "mine", RealLabel = 0.9 };
        string file = dir.File("mine.json");
        File.WriteAllText(file, mine.ToJson());
        Trainer.Run(Data, Options(1) with { Recipe = Recipe.Resolve(file) }, run);
        byte[] saved = File.ReadAllBytes(run.Checkpoints()[^1]);

        File.WriteAllText(file, (mine with { RealLabel = 0.8 }).ToJson());
        var edited = Assert.Throws<RunConflictException>(() => Trainer.Run(Data, Options(2) with { Recipe = Recipe.Resolve(file) }, run));
        File.WriteAllText(file, "{");
        var log = new List<string>();
        Assert.Throws<InvalidDataException>(() => Trainer.Run(Data, Options(2) with { Recipe = Recipe.Resolve(file) }, run, [Listener.Messages(log)]));
        File.WriteAllText(file, (mine with { Summary = "said otherwise" }).ToJson());
        Trainer.Run(Data, Options(2) with { Recipe = Recipe.Resolve(file) }, run);

        Assert.Contains("holds a run with recipe mine, not mine as it reads now (other numbers)", edited.Message);
        Assert.Empty(log); // no checkpoint was taken for damaged
        Assert.Equal(saved, File.ReadAllBytes(run.Checkpoints()[0]));
        Assert.Equal(Options(1).NewRecipe(mine, Models.ImageShape.Tutorial), Checkpoint.ReadRecipe(run.Checkpoints()[^1]));
        Assert.Equal(2, run.Checkpoints().Count);
    }

    [Fact]
    public void A_recipe_with_a_number_out_of_range_or_not_a_number_is_refused()
    {
        var adam = Recipe.Named("improved").GeneratorAdam;
        var refused = new (Recipe Recipe, string Says)[]
        {
            (Recipe.Named("improved") with { RealLabel = 0.5 }, "real-image target"),
            (Recipe.Named("improved") with { RealLabel = double.NaN }, "real-image target"),
            (Recipe.Named("improved") with { EmaDecay = 1 }, "decay"),
            (Recipe.Named("improved") with { EmaDecay = double.NaN }, "decay"),
            (Recipe.Named("improved") with { GeneratorAdam = adam with { LearningRate = double.NaN } }, "generator's Adam"),
            (Recipe.Named("improved") with { GeneratorAdam = adam with { LearningRate = double.PositiveInfinity } }, "generator's Adam"),
            (Recipe.Named("improved") with { DiscriminatorAdam = adam with { Beta1 = double.NaN } }, "discriminator's Adam"),
            (Recipe.Named("improved") with { DiscriminatorAdam = adam with { Beta2 = 1 } }, "discriminator's Adam"),
            (Recipe.Named("improved") with { DiscriminatorAdam = adam with { Epsilon = double.NaN } }, "discriminator's Adam"),
            (Recipe.Named("improved") with { R1Gamma = -1 }, "R1 penalty's gamma"),
            (Recipe.Named("improved") with { R1Gamma = double.NaN }, "R1 penalty's gamma"),
            (Recipe.Named("improved") with { R1Gamma = 1, R1Every = 0 }, "R1 penalty's interval"),
        };

        Assert.All(Recipe.BuiltIn, recipe => Assert.Null(recipe.Problem()));
        Assert.Null((Recipe.Named("improved") with { RealLabel = 0.9, EmaDecay = null }).Problem());
        Assert.All(refused, r => Assert.Contains(r.Says, r.Recipe.Problem()));
    }

    /// <summary>Rewrites a checkpoint in format 1, as the tool wrote before recipes: the batch size (an int32) where
    /// format 2 keeps the recipe's JSON, the same SHA-256 seal over the payload.</summary>
    private static void WriteAsFormat1(string path, int batchSize)
    {
        byte[] file = File.ReadAllBytes(path);
        byte[] payload = file[20..^32];
        using var reader = new BinaryReader(new MemoryStream(payload));
        reader.ReadBytes(16);          // epoch, step, seed
        reader.ReadString();           // the recipe
        byte[] rest = payload[(int)reader.BaseStream.Position..];
        byte[] old = [.. payload[..16], .. BitConverter.GetBytes(batchSize), .. rest];
        using var output = new BinaryWriter(File.Create(path));
        output.Write(file[..8]);       // "DCGANCKP"
        output.Write(1);               // format 1
        output.Write((long)old.Length);
        output.Write(old);
        output.Write(System.Security.Cryptography.SHA256.HashData(old));
    }

    [Fact]
    public void A_checkpoint_from_before_recipes_resumes_as_the_tutorial_with_its_own_epsilon_rule()
    {
        using var dir = new TempFolder();
        var run = new RunFolder(dir.File("run"));
        Trainer.Run(Data, Options(1), run);
        WriteAsFormat1(run.CheckpointAt(1), batchSize: 16);
        var log = new List<string>();

        var recipe = Checkpoint.ReadRecipe(run.CheckpointAt(1));
        Trainer.Run(Data, Options(2) with { BatchSize = null }, run, [Listener.Messages(log)]);

        Assert.Equal(Recipe.Tutorial with
        {
            Name = "tutorial-torch-epsilon",
            Summary = recipe.Summary,
            BatchSize = 16,
            GeneratorAdam = Recipe.Tutorial.GeneratorAdam with { KerasEpsilon = false },
            DiscriminatorAdam = Recipe.Tutorial.DiscriminatorAdam with { KerasEpsilon = false },
        }, recipe);
        Assert.Contains(log, l => l.Contains("at epoch 2 of 2", StringComparison.Ordinal) && l.Contains("recipe tutorial-torch-epsilon (fp32, batch 16)", StringComparison.Ordinal));
        Assert.Equal(recipe, Checkpoint.ReadRecipe(run.CheckpointAt(2))); // it goes on as it was trained
        // Today's tutorial adds epsilon as Keras does: naming it would train otherwise, so it is refused.
        var renamed = Assert.Throws<RunConflictException>(() => Trainer.Run(Data, Options(3) with { BatchSize = null, Recipe = Recipe.Named("tutorial") }, run));
        Assert.Null(renamed.Resumable);
    }

    [Fact]
    public void Two_trainings_cannot_share_a_folder()
    {
        using var dir = new TempFolder();
        var run = new RunFolder(dir.File("run"));
        run.Create();
        using var first = run.Claim();

        var e = Assert.Throws<RunBusyException>(() => Trainer.Run(Data, Options(1), run));

        Assert.Equal(run.Path, e.RunPath);
    }

    [Fact]
    public void Evaluations_go_to_metrics_jsonl_and_a_resume_redoes_only_what_was_lost()
    {
        using var dir = new TempFolder();
        var run = new RunFolder(dir.File("run"));
        var evaluated = new List<int>();
        var evaluation = new FakeEvaluation((gan, epoch) =>
        {
            evaluated.Add(epoch);
            return new EpochEvaluation($"epoch {epoch}", new System.Text.Json.Nodes.JsonObject { ["note"] = $"seen {epoch}" });
        });

        Trainer.Run(Data, Options(3) with { EvalEvery = 2 }, run, evaluation: evaluation);
        // As if the run had died after evaluating epoch 3 but before its checkpoint: resume from epoch 2.
        File.Delete(run.CheckpointAt(3));
        Trainer.Run(Data, Options(3) with { EvalEvery = 2 }, run, evaluation: evaluation);

        Assert.Equal(new[] { 2, 3, 3 }, evaluated);
        Assert.Equal(new[] { 2, 3 }, run.Metrics.Read().Select(r => (int)r["epoch"]!));
        Assert.Equal("seen 3", (string)run.Metrics.Read()[1]["note"]!);
    }

    [Fact]
    public void Keep_bounds_the_checkpoints()
    {
        using var dir = new TempFolder();
        var run = new RunFolder(dir.File("run"));

        Trainer.Run(Data, Options(3) with { Keep = 2 }, run);

        Assert.Equal(new[] { "epoch-0002.ckpt", "epoch-0003.ckpt" }, run.Checkpoints().Select(Path.GetFileName));
        Assert.Equal(3, run.EpochImages().Count);
    }
}
