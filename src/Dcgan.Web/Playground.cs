using System.Globalization;
using Dcgan.Generation;
using Dcgan.Imaging;
using Dcgan.Models;
using Dcgan.Training;
using Microsoft.AspNetCore.Http;

namespace Dcgan.Web;

/// <summary>What the playground asks for, checked: every value from the query string, each refused in one line.</summary>
internal sealed record DrawRequest(string? Checkpoint, int Count, long Seed, int? Category, SamplingWeights? Weights, BatchNormMode? BatchNorm,
    int Columns, int Steps)
{
    /// <summary>Digits in one picture: 256 make a 16 x 16 grid, drawn within a second here.</summary>
    public const int MaxCount = 256;

    /// <summary>Frames between two points of a walk.</summary>
    public const int MaxSteps = 60;

    /// <summary>The request, or the line that says what is wrong with it.</summary>
    public static (DrawRequest? Request, string? Problem) From(IQueryCollection query)
    {
        string? problem = null;
        int Int(string name, int fallback, int min, int max) => Number(query, name, fallback, min, max, ref problem);
        int count = Int("count", 16, 1, MaxCount);
        long seed = Number(query, "seed", 0L, 0L, long.MaxValue, ref problem);
        int? category = query.ContainsKey("category") ? Int("category", 0, 0, Models.Generator.NoiseDim - 1) : null;
        int columns = Int("columns", ImageGrid.SquareColumns(count), 1, MaxCount);
        int steps = Int("steps", 12, 2, MaxSteps);
        var weights = Choice(query, "weights", new Dictionary<string, SamplingWeights> { ["ema"] = SamplingWeights.Ema, ["raw"] = SamplingWeights.Raw }, ref problem);
        var batchNorm = Choice(query, "bn", new Dictionary<string, BatchNormMode>
        {
            ["moving"] = BatchNormMode.Moving,
            ["precise"] = BatchNormMode.Precise,
            ["batch"] = BatchNormMode.Batch,
        }, ref problem);
        string? checkpoint = query["checkpoint"] is { Count: > 0 } c ? c.ToString() : null;
        if (checkpoint is not null && !ServedRun.CheckpointName().IsMatch(checkpoint))
        {
            problem ??= $"checkpoint must be a checkpoint's name, such as epoch-0003.ckpt (got {checkpoint}).";
        }
        return problem is null
            ? (new DrawRequest(checkpoint, count, seed, category, weights, batchNorm, columns, steps), null)
            : (null, problem);
    }

    private static T Number<T>(IQueryCollection query, string name, T fallback, T min, T max, ref string? problem)
        where T : struct, System.Numerics.INumber<T>
    {
        if (!query.TryGetValue(name, out var values) || values.Count == 0)
        {
            return fallback;
        }
        string text = values.ToString();
        if (values.Count > 1 || !T.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out T value))
        {
            problem ??= $"{name} must be a whole number (got {text}).";
            return fallback;
        }
        if (value < min || value > max)
        {
            problem ??= string.Create(CultureInfo.InvariantCulture, $"{name} must be from {min} to {max} (got {text}).");
            return fallback;
        }
        return value;
    }

    private static T? Choice<T>(IQueryCollection query, string name, Dictionary<string, T> choices, ref string? problem) where T : struct
    {
        if (!query.TryGetValue(name, out var values) || values.Count == 0)
        {
            return null;
        }
        if (choices.TryGetValue(values.ToString(), out T value))
        {
            return value;
        }
        problem ??= $"{name} must be {string.Join(" or ", choices.Keys)} (got {values}).";
        return null;
    }
}

/// <summary>
/// Draws what the playground asks for with the library's <see cref="Drawing"/>, the code 'dcgan generate' uses, so a
/// seed gives the same bytes in both. Checkpoints are loaded once and kept (the two most recent), each with the
/// drawing last asked of it, whose batch-norm statistics (re-estimated ones take a few seconds) are then reused.
/// torch's modules are not for two threads at once, so drawings take turns.
/// </summary>
internal sealed class Playground : IDisposable
{
    private readonly object turn = new();
    private readonly List<Loaded> loaded = [];

    /// <summary>A checkpoint's models, and the drawing set up on them (one at a time: each sets the statistics).</summary>
    private sealed class Loaded(string path, DateTime written, TrainedModels models) : IDisposable
    {
        public string Path { get; } = path;
        public DateTime Written { get; } = written;
        public TrainedModels Models { get; } = models;
        private (SamplingWeights?, BatchNormMode?)? choice;
        private Drawing? drawing;

        public Drawing For(SamplingWeights? weights, BatchNormMode? batchNorm)
        {
            if (drawing is null || choice != (weights, batchNorm))
            {
                drawing?.Dispose(); // puts the statistics back before others are set
                drawing = null;
                drawing = Drawing.From(Models, weights, batchNorm);
                choice = (weights, batchNorm);
            }
            return drawing;
        }

        public void Dispose()
        {
            drawing?.Dispose();
            Models.Dispose();
        }
    }

    public byte[] Grid(string checkpoint, DrawRequest request) =>
        Draw(checkpoint, request, drawing => drawing.GridPng(request.Category, request.Count, request.Seed, request.Columns));

    public byte[] Walk(string checkpoint, DrawRequest request) =>
        Draw(checkpoint, request, drawing => drawing.WalkGif(request.Category, request.Count, request.Steps, request.Seed, request.Columns));

    private byte[] Draw(string checkpoint, DrawRequest request, Func<Drawing, byte[]> picture)
    {
        lock (turn)
        {
            var entry = Load(checkpoint);
            var recipe = entry.Models.Recipe;
            if (request.Category is { } category && category >= recipe.CodeCategories)
            {
                throw new ArgumentException(recipe.CodeCategories == 0
                    ? $"this checkpoint's recipe ({recipe.Name}) has no categories to choose from; leave category out."
                    : $"category must be from 0 to {recipe.CodeCategories - 1} for this recipe (got {category}).");
            }
            return picture(entry.For(request.Weights, request.BatchNorm));
        }
    }

    private Loaded Load(string checkpoint)
    {
        var written = File.GetLastWriteTimeUtc(checkpoint);
        if (loaded.FirstOrDefault(m => m.Path == checkpoint && m.Written == written) is { } known)
        {
            return known;
        }
        var entry = new Loaded(checkpoint, written, Checkpoint.LoadModels(checkpoint));
        loaded.Insert(0, entry);
        while (loaded.Count > 2)
        {
            loaded[^1].Dispose();
            loaded.RemoveAt(loaded.Count - 1);
        }
        return entry;
    }

    public void Dispose()
    {
        lock (turn)
        {
            loaded.ForEach(m => m.Dispose());
            loaded.Clear();
        }
    }
}
