using Dcgan.Data;

namespace Dcgan.Evaluation;

/// <summary>
/// A test split for labelled images that have none of their own (a folder of images): the same share of each class,
/// chosen by a seeded shuffle, so an evaluator and every later evaluation against it hold out the same images.
/// </summary>
internal static class HeldOut
{
    /// <summary>The share held out by default: 15 % of each class (about 520 of 3,465 emoji).</summary>
    public const double DefaultShare = 0.15;

    /// <summary>The fewest held-out images an evaluator is tested on: with fewer, its accuracy moves in steps of more
    /// than 5 % and says little (8 images in two classes held out 2, and an evaluator was saved at "0.00 %").</summary>
    public const int MinimumTest = 20;

    /// <summary>The split an evaluator trains and tests on; refused, with the number of images needed, where the held-out
    /// part is too small to test it.</summary>
    public static (ImageSet Train, ImageSet Test) ForEvaluator(ImageSet images, long seed)
    {
        var (train, test) = Split(images, seed);
        if (test.Count < MinimumTest)
        {
            int needed = (int)Math.Ceiling(MinimumTest / DefaultShare);
            throw new InvalidDataException($"holding out {DefaultShare * 100:0} % of each class of these {images.Count} images leaves {test.Count} to test an evaluator on, and its accuracy needs at least {MinimumTest} to mean anything: about {needed} images in all. Add images to the classes, or give test images of their own.");
        }
        return (train, test);
    }

    /// <summary>The images split into the ones to train on and the ones held out: of each class, round(share x its
    /// count) images, at least 1 where the class has 2 or more. Labels are required. Both parts come in a seeded
    /// random order, so that their first N images (what a comparison of N takes) are a fair sample of every class,
    /// though a folder's images come class by class. System.Random with a seed draws the same numbers every time.</summary>
    public static (ImageSet Train, ImageSet Test) Split(ImageSet images, long seed, double share = DefaultShare)
    {
        var labels = images.Labels ?? throw new ArgumentException("a held-out split needs labelled images (one subfolder per class).");
        if (share is not (> 0 and < 1))
        {
            throw new ArgumentException($"the held-out share must be between 0 and 1 (got {share}).", nameof(share));
        }
        var random = new Random(unchecked((int)seed));
        var test = new HashSet<int>();
        foreach (var members in Enumerable.Range(0, images.Count).GroupBy(i => labels[i]).OrderBy(g => g.Key))
        {
            int[] order = [.. members];
            random.Shuffle(order);
            int held = order.Length < 2 ? 0 : Math.Max(1, (int)Math.Round(share * order.Length, MidpointRounding.AwayFromZero));
            test.UnionWith(order.Take(held));
        }
        int[] all = [.. Enumerable.Range(0, images.Count)];
        random.Shuffle(all);
        return (images.Select([.. all.Where(i => !test.Contains(i))]), images.Select([.. all.Where(test.Contains)]));
    }
}
