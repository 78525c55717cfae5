using System.Text.Json.Serialization;

namespace Dcgan.Models;

/// <summary>The shape of the images a pair of models makes and judges: square, <see cref="Size"/> pixels a side, with
/// <see cref="Channels"/> channels (1: gray, 3: colour, RGB).</summary>
public sealed record ImageShape(int Channels, int Size)
{
    /// <summary>MNIST's 28x28 gray: the tutorial's models.</summary>
    public static ImageShape Tutorial { get; } = new(1, 28);

    /// <summary>The sizes the paper's models reach: from 4x4, each stride-2 layer doubles the side, so a size is 4
    /// times a power of two. 16 is two such layers, the fewest that make an all-convolutional pair; at 256 the
    /// generator already has 2048 channels at 4x4 (width 64) and a step of 128 images takes minutes on a CPU.</summary>
    public static IReadOnlyList<int> PaperSizes { get; } = [16, 32, 64, 128, 256];

    /// <summary>Whether the tutorial's models take this shape (else the paper's do).</summary>
    [JsonIgnore]
    public bool IsTutorial => this == Tutorial;

    /// <summary>The values of one image: channels x size x size.</summary>
    [JsonIgnore]
    public int Values => Channels * Size * Size;

    /// <summary>"64x64 colour", "28x28 gray".</summary>
    public string Describe() => $"{Size}x{Size} {(Channels == 1 ? "gray" : "colour")}";

    /// <summary>Why no model takes this shape, in words free of command-line flags, or null.</summary>
    public string? Problem() =>
        Channels is not (1 or 3) ? $"images have 1 channel (gray) or 3 (colour), not {Channels}."
        : IsTutorial || PaperSizes.Contains(Size) ? null
        : Size == Tutorial.Size ? $"28x28 is the tutorial's size, for gray images; in colour choose one of {string.Join(", ", PaperSizes)}."
        : $"the models cannot make {Size}x{Size} images: the tutorial's take 28x28 gray, and the DCGAN paper's double 4x4 up to {string.Join(", ", PaperSizes)}.";
}
