using Dcgan.Data;
using Dcgan.Evaluation;
using Dcgan.Training;

namespace Dcgan.Runs;

/// <summary>A run checked and ready to train: what <see cref="Trainer.Prepare(TrainOptions, DataRequest, string, Func{DataRequest, Split, LoadedData})"/>
/// found. <see cref="Recipe"/> is what will train: the new run's, or the saved run's own when
/// <see cref="ResumeFrom"/> names the checkpoint to go on from. <see cref="Damaged"/> are the newer checkpoints that
/// could not be read, with why: the run keeps them aside, under another name, before it writes any checkpoint.</summary>
public sealed record TrainingPlan(ImageSet Data, TrainOptions Options, RunFolder Run, Recipe Recipe, string Fingerprint,
    string? ResumeFrom, IReadOnlyList<(string Path, string Why)> Damaged, DataOrigin? Origin);

public static partial class Trainer
{
    /// <summary>
    /// The one check of a run, before anything is written: the options, the recipe (a recipe file is read here, once)
    /// and the run folder, then the data (read or downloaded by <paramref name="load"/>, labels joined), then, for a
    /// folder that holds checkpoints, the saved run against what was asked. A refusal is an exception with one line
    /// that says what to do; nothing is created on disk before it. <see cref="Run(TrainingPlan, IEnumerable{IRunObserver}?, IEpochEvaluation?, CancellationToken)"/>
    /// checks nothing again.
    /// </summary>
    public static TrainingPlan Prepare(TrainOptions options, DataRequest data, string folder, Func<DataRequest, Split, LoadedData>? load = null)
    {
        var run = new RunFolder(folder);
        var asked = CheckRequest(options, run);
        RefuseRunInsideData(run, data);
        var loaded = (load ?? DataSource.Loader)(data, Split.Train);
        return Check(loaded.Images, options, asked, run, loaded.Origin);
    }

    /// <summary>The same for images already in memory.</summary>
    public static TrainingPlan Prepare(ImageSet data, TrainOptions options, RunFolder run) =>
        Check(data, options, CheckRequest(options, run), run, origin: null);

    /// <summary>What can be refused before the data is read: the options, the recipe asked for, the folder.</summary>
    private static Recipe? CheckRequest(TrainOptions options, RunFolder run)
    {
        if (options.Problem() is { } problem)
        {
            throw new InvalidOptionException(problem);
        }
        run.CheckWritable();
        return options.Recipe;
    }

    private static TrainingPlan Check(ImageSet data, TrainOptions options, Recipe? asked, RunFolder run, DataOrigin? origin)
    {
        var shape = data.Shape is { } square && square.Problem() is null ? square : throw new InvalidOptionException(new(nameof(DataRequest.ImageSize), "the image size",
                $"must be one the models take: the images are {data.DescribeShape()}; the tutorial's models take 28x28 gray, the DCGAN paper's sides of {string.Join(", ", Models.ImageShape.PaperSizes)}."));
        string fingerprint = data.Fingerprint();
        asked = asked is null ? null : ForClasses(asked, data); // as the saved run's was, to compare with it
        var damaged = new List<(string, string)>();
        var (resumeFrom, saved) = LatestReadable(run, damaged);
        if (saved is not null)
        {
            CheckResume(saved, options, asked, fingerprint, run, shape);
        }
        var recipe = saved?.Recipe ?? ForClasses(options.NewRecipe(asked, shape, data.Count), data);
        RefuseUnfitLabels(recipe, data);
        // A batch larger than the data is allowed, as Keras allows it, and costs what the data needs.
        if (Diagnostics.MachineInfo.BatchProblem(Math.Min(recipe.BatchSize, data.Count)) is { } tooLarge)
        {
            throw new InvalidOptionException(new(nameof(TrainOptions.BatchSize), "the batch size", tooLarge));
        }
        return new TrainingPlan(data, options, run, recipe, fingerprint, resumeFrom, damaged, origin);
    }

    /// <summary>The newest checkpoint whose header reads, as tf.train.latest_checkpoint would pick; a damaged one is
    /// noted and the one before it taken. None at all: a new run.</summary>
    private static (string? Path, CheckpointHeader? Header) LatestReadable(RunFolder run, List<(string, string)> damaged)
    {
        var all = run.Checkpoints();
        foreach (string path in all.Reverse())
        {
            try
            {
                return (path, Checkpoint.ReadHeader(path));
            }
            catch (InvalidDataException e)
            {
                damaged.Add((path, e.Message));
            }
        }
        return all.Count == 0
            ? (null, null)
            : throw new InvalidDataException($"{run.CheckpointFolder} holds checkpoints but none can be read; move them away to start a new run there.");
    }

    private static void CheckResume(CheckpointHeader saved, TrainOptions options, Recipe? asked, string fingerprint, RunFolder run, Models.ImageShape shape)
    {
        if (saved.Recipe.Shape != shape)
        {
            throw new ShapeMismatchException(run.Path, saved.Recipe.Shape, shape);
        }
        if (options.ConflictWith(saved.Recipe, saved.Seed, asked) is var (setting, was, given))
        {
            string? resumable = setting switch
            {
                "recipe" => Recipe.BuiltInLike(saved.Recipe)?.Name,
                "augment" => saved.Recipe.Augment is { P: null or 1, Target: null } augment ? augment.Policy : null, // none is given by leaving it out
                _ => was,
            };
            throw new RunConflictException(run.Path, setting, was, given, resumable);
        }
        if (saved.DataFingerprint != fingerprint)
        {
            throw new ArgumentException($"{run.Path} holds a run trained on other images; resume it with the same data, or train into a new folder.");
        }
        if (saved.GridExamples != options.ExamplesToGenerate)
        {
            throw new ArgumentException($"{run.Path} keeps {saved.GridExamples} grid examples, not {options.ExamplesToGenerate}.");
        }
    }

    /// <summary>A run folder inside the folder of images it trains on would become one of its classes (or its
    /// images) the next time the data is read, and the run could not resume: refused before anything is written.</summary>
    private static void RefuseRunInsideData(RunFolder run, DataRequest data)
    {
        if (data.Data is not { } folder || !Directory.Exists(folder))
        {
            return;
        }
        string inside = Path.GetRelativePath(Path.GetFullPath(folder), run.Path);
        if (inside == "." || !(inside.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(inside)))
        {
            throw new ArgumentException($"the run folder {run.Path} is inside the data folder {Path.GetFullPath(folder)}, which would read the run's pictures as training images; train into a folder outside it.");
        }
    }

    /// <summary>A recipe that learns from labels, for images of named classes: as many categories, and their names,
    /// so that category k is class k. Other recipes and data are taken as they are.</summary>
    private static Recipe ForClasses(Recipe recipe, ImageSet data)
    {
        if (!recipe.CodeFromLabels || data.ClassNames is not { } names)
        {
            return recipe;
        }
        if (names.Count < 2)
        {
            throw new InvalidDataException($"the recipe {recipe.Name} learns from classes, and the images have only one ({names[0]}); add a class folder, or train a recipe without labels.");
        }
        var named = recipe with { CodeCategories = names.Count, CategoryNames = names };
        return named.Problem() is { } problem ? throw new InvalidDataException($"the recipe {recipe.Name} cannot learn these {names.Count} classes: {problem}") : named;
    }

    /// <summary>An InvalidDataException that says what to give when a recipe that learns from labels gets images
    /// without them, or labels beyond the code's categories.</summary>
    private static void RefuseUnfitLabels(Recipe recipe, ImageSet data)
    {
        if (!recipe.CodeFromLabels)
        {
            return;
        }
        if (data.Labels is null)
        {
            throw new InvalidOptionException(new(nameof(DataRequest.Labels), "the images' labels",
                $"must be given: the recipe {recipe.Name} learns from them, and these images have none (a label file, or a folder with one subfolder per class)."));
        }
        if (data.Labels.Max() is var largest && largest >= recipe.CodeCategories)
        {
            throw new InvalidDataException($"the recipe {recipe.Name} has {recipe.CodeCategories} categories, for labels 0 to {recipe.CodeCategories - 1}, and the data has label {largest}.");
        }
    }
}
