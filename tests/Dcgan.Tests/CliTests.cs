using Dcgan.Data;
using Dcgan.Training;
using SkiaSharp;

namespace Dcgan.Tests;

/// <summary>The dcgan program as a user runs it: a child process, its exit code, what it prints, what it writes.</summary>
public class CliTests
{
    private static (int ExitCode, string Out, string Err) Dcgan(params string[] args) => DcganProcess.Run([], args);

    private static (int ExitCode, string Out, string Err) DcganWith(Dictionary<string, string> environment, params string[] args) =>
        DcganProcess.Run(environment, args);

    [Fact]
    public void Train_writes_grids_checkpoints_and_gif_then_resumes_and_generates()
    {
        using var dir = new TempFolder();
        string data = Fixtures.TinyDataset(dir), run = dir.File("run");

        var train = Dcgan("train", "--images", data, "--epochs", "3", "--batch-size", "32", "--checkpoint-every", "2", "--out", run, "--seed", "1");

        Assert.True(train.ExitCode == 0, train.Err);
        Assert.Contains("Self-check: 64 layer checks against float64 passed (fp32", train.Out); // 48 images: batches of 32 and 16, grid, block
        Assert.Contains("Time for epoch 1 is ", train.Out);
        Assert.Contains("Time for epoch 3 is ", train.Out);
        Assert.Equal(
            new[] { "dcgan.gif", "image_at_epoch_0001.png", "image_at_epoch_0002.png", "image_at_epoch_0003.png", "losses.csv", "losses.png", "run.json" },
            Directory.GetFiles(run).Select(Path.GetFileName).Where(f => !f!.StartsWith('.')).Order()); // .lock aside
        // Every 2 epochs, and after the last one.
        Assert.Equal(new[] { "epoch-0002.ckpt", "epoch-0003.ckpt" },
            Directory.GetFiles(Path.Combine(run, "checkpoints")).Select(Path.GetFileName).Order());
        using (var gif = SixLabors.ImageSharp.Image.Load(Path.Combine(run, "dcgan.gif")))
        {
            Assert.Equal(3, gif.Frames.Count);
        }

        var resume = Dcgan("train", "--images", data, "--epochs", "4", "--batch-size", "32", "--out", run);
        Assert.True(resume.ExitCode == 0, resume.Err);
        Assert.Contains("at epoch 4 of 4", resume.Out);
        Assert.DoesNotContain("Time for epoch 3 is", resume.Out);
        Assert.Contains("Time for epoch 4 is ", resume.Out);
        Assert.True(File.Exists(Path.Combine(run, "checkpoints", "epoch-0004.ckpt")));

        // run.json: options, seed, data, versions, machine, one session per train command, every epoch once.
        var record = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(run, "run.json")))!;
        Assert.Equal(1, (long)record["seed"]!);
        Assert.Equal(32, (int)record["recipe"]!["batch_size"]!);
        Assert.Equal("fp32", (string)record["recipe"]!["precision"]!);
        Assert.Equal("tutorial", (string)record["recipe"]!["name"]!);
        Assert.Equal(1e-4, (double)record["recipe"]!["generator_adam"]!["learning_rate"]!);
        Assert.All(record["epochs"]!.AsArray(), e => Assert.InRange((int)e!["resident_mib"]!, 50, 4096));
        Assert.Equal("image-file", (string)record["data"]!["kind"]!);
        Assert.Equal(48, (int)record["data"]!["images"]!);
        Assert.False(string.IsNullOrEmpty((string?)record["libtorch"]));
        Assert.True((int)record["machine"]!["threads"]! >= 1);
        Assert.Equal(2, record["sessions"]!.AsArray().Count);
        Assert.Equal(new[] { 1, 2, 3, 4 }, record["epochs"]!.AsArray().Select(e => (int)e!["epoch"]!));

        var runs = Dcgan("runs", dir.Path);
        Assert.True(runs.ExitCode == 0, runs.Err);
        Assert.Matches(@"run\s+4\s+1\s+tutorial\s+fp32\s+[\d.]+\s+epoch-0004\.ckpt", runs.Out);

        var refused = Dcgan("train", "--images", data, "--epochs", "5", "--batch-size", "16", "--out", run);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("holds a run with batch size 32, not 16; resume it without --batch-size (or with --batch-size 32)", refused.Err);
        Assert.Single(refused.Err.TrimEnd().Split('\n'));

        string png = dir.File("digits.png"), again = dir.File("again.png");
        var generate = Dcgan("generate", "--run", run, "--out", png, "--count", "9", "--seed", "3");
        Assert.True(generate.ExitCode == 0, generate.Err);
        Assert.Contains("epoch 4", generate.Out);
        using (var grid = SKBitmap.Decode(png))
        {
            Assert.Equal(3 * 28 * 4 + 4 * 4, grid.Width); // 3x3 tiles, scaled 4x, with gutters
        }
        var same = Dcgan("generate", "--checkpoint", Path.Combine(run, "checkpoints", "epoch-0004.ckpt"), "--out", again, "--count", "9", "--seed", "3");
        Assert.True(same.ExitCode == 0, same.Err);
        Assert.Equal(File.ReadAllBytes(png), File.ReadAllBytes(again));

        var walk = Dcgan("generate", "--run", run, "--out", dir.File("walk.gif"), "--count", "4", "--columns", "4", "--interpolate", "3", "--seed", "1");
        Assert.True(walk.ExitCode == 0, walk.Err);
        using (var gif = SixLabors.ImageSharp.Image.Load(dir.File("walk.gif")))
        {
            Assert.Equal(4 * 3, gif.Frames.Count); // 4 keyframes, 3 steps each
            Assert.Equal(4 * 28 * 4 + 5 * 4, gif.Width); // one row of 4
        }

        var idx = Dcgan("generate", "--run", run, "--out", dir.File("s.idx"), "--format", "idx", "--count", "5", "--seed", "3");
        Assert.True(idx.ExitCode == 0, idx.Err);
        Assert.Equal(5, IdxFile.ReadImages(dir.File("s.idx")).Count);
        // One PNG per image into a new folder, as FID tools read them: the IDX file's images, read back by ImageSharp.
        var pngs = Dcgan("generate", "--run", run, "--out", dir.File("pngs") + "/", "--count", "5", "--seed", "3");
        Assert.True(pngs.ExitCode == 0, pngs.Err);
        Assert.Equal(["000001.png", "000002.png", "000003.png", "000004.png", "000005.png"], Directory.GetFiles(dir.File("pngs")).Select(Path.GetFileName).Order());
        byte[] samples = IdxFile.ReadImages(dir.File("s.idx")).CopyPixels();
        for (int i = 0; i < 5; i++)
        {
            using var image = SixLabors.ImageSharp.Image.Load<SixLabors.ImageSharp.PixelFormats.L8>(dir.File($"pngs/{i + 1:D6}.png"));
            var read = new byte[28 * 28];
            image.CopyPixelDataTo(read);
            Assert.Equal(samples[(i * 784)..((i + 1) * 784)], read);
        }
        var notEmpty = Dcgan("generate", "--run", run, "--out", dir.File("pngs") + "/", "--count", "5");
        Assert.Equal(1, notEmpty.ExitCode);
        Assert.Contains("is not empty; name a new or empty folder", notEmpty.Err);

        var export = Dcgan("export", "--run", run, "--out", dir.File("exported"));
        Assert.True(export.ExitCode == 0, export.Err);
        Assert.True(File.Exists(dir.File("exported/generator.safetensors")) && File.Exists(dir.File("exported/discriminator.safetensors")));
    }

    [Fact]
    public void Benchmark_times_the_step_of_the_recipe_named()
    {
        var result = Dcgan("benchmark", "--recipe", "improved", "--steps", "3", "--warmup", "0", "--json");
        var unknown = Dcgan("benchmark", "--recipe", "fastest");

        Assert.True(result.ExitCode == 0, result.Err);
        var step = System.Text.Json.Nodes.JsonNode.Parse(result.Out)!["result"]!;
        Assert.Equal("improved", (string)step["Recipe"]!);
        Assert.Equal(64, (int)step["BatchSize"]!); // the recipe's
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("--recipe fastest is not a recipe", unknown.Err); // train's words
    }

    [Fact]
    public void A_recipe_printed_by_recipes_and_edited_trains_and_its_run_refuses_another_version_of_it()
    {
        using var dir = new TempFolder();
        string data = Fixtures.TinyDataset(dir), run = dir.File("run"), file = dir.File("my-r1.json"), typo = dir.File("typo.json");

        var list = Dcgan("recipes");
        var printed = Dcgan("recipes", "improved");
        Assert.True(list.ExitCode == 0 && printed.ExitCode == 0, list.Err + printed.Err);
        Assert.All(Recipe.BuiltInNames, name => Assert.Contains($"{name} ", list.Out));
        File.WriteAllText(file, printed.Out.Replace("\"name\": \"improved\"", "\"name\": \"my-r1\", // mine")
            .Replace("\"r1_gamma\": 1,", "\"r1_gamma\": 0.3,"));
        File.WriteAllText(typo, File.ReadAllText(file).Replace("r1_gamma", "r1_gama"));

        var train = Dcgan("train", "--recipe", file, "--images", data, "--epochs", "1", "--out", run);
        Assert.True(train.ExitCode == 0, train.Err);
        Assert.Contains("layer checks against float64 passed (fp32, second derivatives too, ", train.Out); // the penalty's
        Assert.Contains("recipe my-r1 (fp32, batch 64): ", train.Out);
        Assert.Contains("R1 penalty 0.3 every 16 steps", train.Out);
        Assert.Equal(Recipe.Named("improved") with { Name = "my-r1", R1Gamma = 0.3 }, Checkpoint.ReadRecipe(Path.Combine(run, "checkpoints", "epoch-0001.ckpt")));

        File.WriteAllText(file, File.ReadAllText(file).Replace("\"r1_gamma\": 0.3,", "\"r1_gamma\": 0.5,"));
        var edited = Dcgan("train", "--recipe", file, "--images", data, "--epochs", "2", "--out", run, "--skip-self-check");
        var misspelt = Dcgan("train", "--recipe", typo, "--images", dir.File("none.idx"), "--out", run);

        Assert.Equal(1, edited.ExitCode);
        Assert.Equal($"dcgan: error: {run} holds a run with recipe my-r1, not my-r1 as it reads now (other numbers); resume it without --recipe, or train into a new --out folder.", edited.Err.TrimEnd());
        Assert.Equal(1, misspelt.ExitCode); // the recipe is read before the (missing) images
        Assert.Equal($"dcgan: error: {typo} is not a recipe (no recipe has a \"r1_gama\"); start from one that 'dcgan recipes NAME' prints.", misspelt.Err.TrimEnd());
        Assert.Equal(new[] { "epoch-0001.ckpt" }, Directory.GetFiles(Path.Combine(run, "checkpoints")).Select(Path.GetFileName));
    }

    [Fact]
    public void Benchmark_reports_the_step_and_the_profile_as_json()
    {
        var result = Dcgan("benchmark", "--batch-size", "8", "--steps", "3", "--warmup", "1", "--precision", "bf16", "--profile", "--json");

        Assert.True(result.ExitCode == 0, result.Err);
        var json = System.Text.Json.Nodes.JsonNode.Parse(result.Out)!;
        var step = json["result"]!;
        Assert.Equal("bf16", (string)step["Precision"]!);
        Assert.Equal(3, (int)step["Steps"]!);
        double median = (double)step["MedianSeconds"]!;
        Assert.InRange(median, 1e-4, 60);
        Assert.InRange((double)step["P10Seconds"]!, 0, median);
        Assert.True((long)step["PeakResidentBytes"]! > 0);
        Assert.Equal("tutorial", (string)step["Recipe"]!);
        Assert.InRange((double)step["MeanSeconds"]!, (double)step["P10Seconds"]!, 60);
        var parts = json["profile"]!.AsArray().Select(r => (string)r!["Part"]!).ToList();
        Assert.Contains("G.deconv2", parts);
        Assert.Contains("D.conv2", parts);
        Assert.Contains("Adam step, both models", parts);
    }

    private static (string Label, string[] Args, int ExitCode, string Message)[] BadInputs(string folder, string data) =>
    [
        ("missing file", ["train", "--images", Path.Combine(folder, "missing.gz"), "--out", Path.Combine(folder, "r")], 1, "missing.gz does not exist"),
        ("text file", ["train", "--images", Path.Combine(folder, "notes.txt"), "--out", Path.Combine(folder, "r")], 1, "is not an IDX file"),
        ("no epochs", ["train", "--images", data, "--epochs", "0"], 2, "--epochs must be at least 1 (got 0)."),
        ("no such precision", ["train", "--images", data, "--precision", "fp16"], 2, "--precision must be fp32 or bf16 (got fp16)."),
        ("no such format", ["generate", "--run", folder, "--format", "jpeg", "--out", "g.png"], 2, "--format must be png or idx (got jpeg)."),
        ("out inside a file", ["train", "--images", data, "--out", Path.Combine(folder, "notes.txt", "run")], 1, "notes.txt is a file, not a folder"),
        ("out is a file", ["train", "--images", data, "--out", Path.Combine(folder, "notes.txt")], 1, "notes.txt is a file, not a folder"),
        ("no checkpoint", ["generate", "--run", folder, "--out", Path.Combine(folder, "g.png")], 1, "holds no checkpoints"),
        ("run and checkpoint", ["generate", "--run", folder, "--checkpoint", "x", "--out", "g.png"], 2, "Name either --run DIR or --checkpoint FILE"),
    ];

    [Fact]
    public void Bad_input_gets_one_line_and_a_nonzero_exit_code()
    {
        using var dir = new TempFolder();
        string data = Fixtures.TinyDataset(dir, 4);
        File.WriteAllText(dir.File("notes.txt"), "not images at all");

        foreach (var (label, args, code, message) in BadInputs(dir.Path, data))
        {
            var result = Dcgan(args);

            Assert.True(code == result.ExitCode, $"{label}: exit code {result.ExitCode}, stderr: {result.Err}");
            Assert.Contains(message, result.Err);
            Assert.DoesNotContain("   at ", result.Err); // no stack trace
            Assert.StartsWith("dcgan: ", result.Err);
            Assert.True(result.Err.TrimEnd().Split('\n').Length <= 2, $"{label}: {result.Err}");
        }
    }

    /// <summary>Every file under a folder with its bytes, to see that nothing was written.</summary>
    private static Dictionary<string, string> Snapshot(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(folder, f), f => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f))));

    [Fact]
    public void A_refusal_known_before_training_creates_nothing_on_disk_for_a_new_run_or_a_resume()
    {
        using var dir = new TempFolder();
        string data = Fixtures.TinyDataset(dir), fresh = dir.File("fresh"), run = dir.File("run");

        var unlabelled = Dcgan("train", "--recipe", "conditional", "--images", data, "--out", fresh);
        string small = dir.File("small-idx3-ubyte.gz");
        IdxFile.WriteImages(small, Fixtures.Images(48, 14, 14));
        var unreachable = Dcgan("train", "--images", small, "--out", fresh);
        var noEvaluator = Dcgan("train", "--images", data, "--eval-every", "1", "--evaluator", dir.File("none.evaluator"), "--out", fresh);
        var trained = Dcgan("train", "--images", data, "--epochs", "1", "--out", run, "--seed", "4", "--skip-self-check");
        Assert.True(trained.ExitCode == 0, trained.Err);
        var before = Snapshot(run);
        var seed = Dcgan("train", "--images", data, "--epochs", "2", "--out", run, "--seed", "5");
        var recipe = Dcgan("train", "--images", data, "--epochs", "2", "--out", run, "--recipe", "improved");
        string fewer = dir.File("fewer-idx3-ubyte.gz");
        IdxFile.WriteImages(fewer, Fixtures.Images(40));
        var otherData = Dcgan("train", "--images", fewer, "--epochs", "2", "--out", run);

        Assert.All(new[] { noEvaluator, seed, recipe, otherData }, r =>
        {
            Assert.Equal(1, r.ExitCode);
            Assert.StartsWith("dcgan: error: ", r.Err);
        });
        // Data the options cannot take is refused as an option is, naming the flag that would make it fit.
        Assert.Equal((2, 2), (unlabelled.ExitCode, unreachable.ExitCode));
        Assert.StartsWith("dcgan: --labels must be given: the recipe conditional learns from them, and these images have none", unlabelled.Err);
        Assert.StartsWith("dcgan: --image-size must be one the models take: the images are 14x14 gray; the tutorial's models take 28x28 gray, the DCGAN paper's sides of 16, 32, 64, 128, 256.", unreachable.Err);
        Assert.False(Directory.Exists(fresh), "a new run's folder is made only once every check has passed");
        Assert.Contains("holds a run with seed 4", seed.Err);
        Assert.Contains("holds a run with recipe tutorial, not improved; resume it without --recipe (or with --recipe tutorial)", recipe.Err);
        Assert.Contains("trained on other images", otherData.Err);
        Assert.Equal(before, Snapshot(run)); // a refused resume writes nothing, not even its records
    }

    [Fact]
    public void Train_with_no_data_option_explains_what_to_do_offline()
    {
        using var dir = new TempFolder();
        var offline = new Dictionary<string, string>
        {
            ["DCGAN_DATA"] = dir.File("cache"),
            ["DCGAN_MIRRORS"] = "http://127.0.0.1:9/mnist/",
            ["HOME"] = dir.Path, // no Keras cache
        };

        var result = DcganWith(offline, "train", "--epochs", "1", "--out", dir.File("run"));

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("dcgan: error: could not download train-images-idx3-ubyte.gz: http://127.0.0.1:9/mnist/train-images-idx3-ubyte.gz", result.Err);
        Assert.Contains($"in {Path.Combine(dir.File("cache"), "mnist")}/", result.Err);
        Assert.DoesNotContain("   at ", result.Err);
    }

    [Fact]
    public void Data_info_describes_a_folder()
    {
        using var dir = new TempFolder();
        IdxFile.WriteImages(dir.File("train-images-idx3-ubyte.gz"), Fixtures.Images(6));
        IdxFile.WriteLabels(dir.File("train-labels-idx1-ubyte.gz"), [0, 1, 1, 2, 2, 2]);

        var result = Dcgan("data", "info", "--data", dir.Path);

        Assert.True(result.ExitCode == 0, result.Err);
        Assert.Contains("train: 6 images of 28x28", result.Out);
        Assert.Contains("classes   0:1  1:2  2:3", result.Out);
        Assert.Contains("test: ", result.Out);
    }
}
