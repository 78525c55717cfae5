using Dcgan.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Dcgan.Training;

/// <summary>
/// Differentiable augmentation (DiffAugment, Zhao et al. 2020; mit-han-lab/data-efficient-gans): every image the
/// discriminator sees, real or fake, is changed at random by operations the generator's gradient passes through, so
/// that on a few hundred pictures the discriminator cannot win by memorising them. The operations are DiffAugment's,
/// on images in [-1, 1], each drawn per image:
/// <list type="bullet">
/// <item>"color": brightness + U(-0.5, 0.5); saturation: the distance from the pixel's channel mean times U(0, 2);
/// contrast: the distance from the image's mean times U(0.5, 1.5).</item>
/// <item>"translation": a shift by a whole number of pixels up to 1/8 of the side (rounded), each way, with zeros (gray)
/// where the image leaves the frame.</item>
/// <item>"cutout": a square of half the side (rounded) set to zero, centred anywhere in the image (cut at its edges).</item>
/// </list>
/// With a probability p below 1 (adaptive augmentation, Karras et al. 2020), each operation is applied to each image
/// with probability p; at p = 1 it is DiffAugment exactly, every operation on every image. All the operations are
/// affine in the pixels, so second derivatives (R1) pass through them too.
/// </summary>
internal sealed class Augmentation(IReadOnlyList<string> policy, Func<double> probability)
{
    /// <summary>The operations at a fixed probability.</summary>
    public Augmentation(IReadOnlyList<string> policy, double probability) : this(policy, () => probability)
    {
    }

    /// <summary>The operations a policy may name, in DiffAugment's order.</summary>
    public static IReadOnlyList<string> Operations { get; } = ["color", "translation", "cutout"];

    /// <summary>DiffAugment's translation ratio (1/8 of the side) and cutout ratio (1/2 of the side).</summary>
    public const double TranslationRatio = 0.125, CutoutRatio = 0.5;

    /// <summary>The operations, in the order they are applied.</summary>
    public IReadOnlyList<string> Policy { get; } = policy;

    /// <summary>Each operation's probability per image now (an adaptive rule's moves between steps).</summary>
    public double Probability => probability();

    /// <summary>The augmentation a recipe asks for, at its first probability or at <paramref name="probability"/>'s;
    /// null for none.</summary>
    public static Augmentation? Of(AugmentSettings? settings, Func<double>? probability = null) =>
        settings is null ? null : new Augmentation(ParsePolicy(settings.Policy), probability ?? (() => settings.StartP));

    /// <summary>"color,translation,cutout" as its operations.</summary>
    public static string[] ParsePolicy(string policy) =>
        [.. policy.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];

    /// <summary>Why a policy is refused, or null.</summary>
    public static string? PolicyProblem(string policy) =>
        ParsePolicy(policy) is var names && names.Length == 0 ? $"the augmentation's policy names no operation; it is a list of {string.Join(", ", Operations)}."
        : names.FirstOrDefault(n => !Operations.Contains(n)) is { } unknown ? $"the augmentation's policy names '{unknown}'; its operations are {string.Join(", ", Operations)}."
        : names.Distinct().Count() != names.Length ? $"the augmentation's policy names an operation twice ({policy})."
        : null;

    /// <summary>The images [B, C, H, W] as the discriminator sees them: each operation drawn per image from torch's
    /// global generator (a step lends it the run's own).</summary>
    public Tensor Apply(Tensor images)
    {
        double p = Probability;
        if (p <= 0)
        {
            return images; // an adaptive p at 0: nothing drawn, nothing changed
        }
        using var scope = torch.NewDisposeScope();
        var x = images;
        foreach (string operation in Policy)
        {
            x = operation switch
            {
                "color" => Sometimes(p, x, Contrast(Saturation(Brightness(x, Uniform(x, -0.5, 0.5)), Uniform(x, 0, 2)), Uniform(x, 0.5, 1.5))),
                "translation" => Sometimes(p, x, Translate(x, Shifts(x, x.shape[2]), Shifts(x, x.shape[3]))),
                "cutout" => Sometimes(p, x, Cutout(x, Centres(x, x.shape[2]), Centres(x, x.shape[3]))),
                _ => throw new InvalidOperationException($"unknown augmentation '{operation}'"),
            };
        }
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>The operation's result where an image drew it (probability p), the image itself elsewhere; at p = 1,
    /// the result, with nothing drawn.</summary>
    private static Tensor Sometimes(double p, Tensor original, Tensor augmented)
    {
        if (p >= 1)
        {
            return augmented;
        }
        using var probability = p.ToScalar(); // held through the call (Models/HeldScalars.cs)
        var drawn = torch.rand(original.shape[0], 1, 1, 1, dtype: original.dtype, device: original.device).lt(probability);
        return torch.where(drawn, augmented, original);
    }

    /// <summary>One number per image, uniform in [low, high), shaped [B, 1, 1, 1].</summary>
    private static Tensor Uniform(Tensor x, double low, double high)
    {
        using var scalars = new HeldScalars();
        return torch.rand(x.shape[0], 1, 1, 1, dtype: x.dtype, device: x.device).mul(scalars.Of(high - low)).add(scalars.Of(low), scalars.One);
    }

    /// <summary>Per image, a shift from -s to s (s: 1/8 of <paramref name="side"/>, rounded), as DiffAugment draws it.</summary>
    private static Tensor Shifts(Tensor x, long side)
    {
        long s = (long)(side * TranslationRatio + 0.5);
        return torch.randint(-s, s + 1, [x.shape[0]], dtype: int64, device: x.device);
    }

    /// <summary>Per image, the centre of a cutout square along a side, as DiffAugment draws it: from 0 to the side (to
    /// the side minus 1 for an even square).</summary>
    private static Tensor Centres(Tensor x, long side) =>
        torch.randint(0, side + (1 - CutoutSize(side) % 2), [x.shape[0]], dtype: int64, device: x.device);

    /// <summary>The cutout square's side along a side of <paramref name="side"/> pixels: half of it, rounded.</summary>
    public static long CutoutSize(long side) => (long)(side * CutoutRatio + 0.5);

    /// <summary>x + b, b [B, 1, 1, 1].</summary>
    public static Tensor Brightness(Tensor x, Tensor b)
    {
        using var scalars = new HeldScalars();
        return scalars.Add(x, b);
    }

    /// <summary>Each pixel's distance from its mean over the channels, times s [B, 1, 1, 1] (gray images are unchanged).</summary>
    public static Tensor Saturation(Tensor x, Tensor s)
    {
        using var scalars = new HeldScalars();
        var mean = x.mean([1], keepdim: true);
        return scalars.Add((x - mean) * s, mean);
    }

    /// <summary>Each value's distance from the image's mean, times c [B, 1, 1, 1].</summary>
    public static Tensor Contrast(Tensor x, Tensor c)
    {
        using var scalars = new HeldScalars();
        var mean = x.mean([1, 2, 3], keepdim: true);
        return scalars.Add((x - mean) * c, mean);
    }

    /// <summary>Each image moved so that output pixel (i, j) is input pixel (i + dy, j + dx), zero where that is outside
    /// the image; <paramref name="dy"/> and <paramref name="dx"/> are [B] whole numbers. Two gathers from the image
    /// padded with a border of zeros, which every index outside the image is clamped onto (DiffAugment's way): linear
    /// in the pixels, so differentiable twice.</summary>
    public static Tensor Translate(Tensor x, Tensor dy, Tensor dx)
    {
        long b = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
        const long pad = 1;
        using var scalars = new HeldScalars();
        var padded = nn.functional.pad(x, [pad, pad, pad, pad]);
        Tensor Clamped(Tensor along, long side) => // [B, side]
            scalars.Add(scalars.Range(side, int64, x.device).unsqueeze(0), along.unsqueeze(1)).add(scalars.Of(pad), scalars.One).clamp(scalars.Of(0L), scalars.Of(side + 2 * pad - 1));
        var rows = Clamped(dy, h);
        var cols = Clamped(dx, w);
        var picked = padded.gather(2, rows.view(b, 1, h, 1).expand(b, c, h, w + 2 * pad));
        return picked.gather(3, cols.view(b, 1, 1, w).expand(b, c, h, w));
    }

    /// <summary>Each image with a square of <see cref="CutoutSize"/> set to zero: rows from cy - size / 2 (integer
    /// division) for size rows, and the same for columns, cut at the image's edges; <paramref name="cy"/> and
    /// <paramref name="cx"/> are [B].</summary>
    public static Tensor Cutout(Tensor x, Tensor cy, Tensor cx)
    {
        long h = x.shape[2], w = x.shape[3], ch = CutoutSize(h), cw = CutoutSize(w);
        using var scalars = new HeldScalars();
        Tensor Inside(long side, long size, Tensor centre)
        {
            var index = scalars.Range(side, int64, x.device).unsqueeze(0);             // [1, side]
            var first = centre.sub(scalars.Of(size / 2)).unsqueeze(1);                  // [B, 1]
            return index.ge(first).logical_and(index.lt(first.add(scalars.Of(size), scalars.One))); // [B, side]
        }
        var cut = Inside(h, ch, cy).unsqueeze(2).logical_and(Inside(w, cw, cx).unsqueeze(1)); // [B, H, W]
        return x * cut.logical_not().unsqueeze(1).to(x.dtype);
    }
}
