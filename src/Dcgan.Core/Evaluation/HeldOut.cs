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
