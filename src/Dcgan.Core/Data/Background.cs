using System.Globalization;

namespace Dcgan.Data;

/// <summary>The colour that transparent pixels of a user's image are composited onto.</summary>
public readonly record struct Background(byte R, byte G, byte B)
{
    /// <summary>The default: transparent images are most often shown on white (icons, emoji, logos, sprites).</summary>
    public static Background White { get; } = new(255, 255, 255);

    public static Background Black { get; } = new(0, 0, 0);

    /// <summary>white, black or #rrggbb; null when the text is none of them.</summary>
    public static Background? Parse(string text) =>
        text.ToLowerInvariant() switch
        {
            "white" => White,
            "black" => Black,
            ['#', .. var hex] when hex.Length == 6 && int.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int rgb)
                => new((byte)(rgb >> 16), (byte)(rgb >> 8), (byte)rgb),
            _ => null,
        };

    public override string ToString() => $"#{R:x2}{G:x2}{B:x2}";
}
