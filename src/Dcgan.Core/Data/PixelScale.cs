namespace Dcgan.Data;

/// <summary>The tutorial's preprocessing of a pixel, (x - 127.5) / 127.5, for the 256 values a byte can take. Each
/// value is the float32 nearest the exact quotient (computed in float64 and rounded once: for a quotient of two
/// float32 values that equals float32 division, correctly rounded), which is what torch computed for the whole set
/// before batches were read from a file; a table lets any thread convert a batch without torch.</summary>
internal static class PixelScale
{
    private static readonly float[] Table = [.. Enumerable.Range(0, 256).Select(x => (float)((x - 127.5) / 127.5))];

    public static void ToFloats(ReadOnlySpan<byte> pixels, Span<float> into)
    {
        for (int i = 0; i < pixels.Length; i++)
        {
            into[i] = Table[pixels[i]];
        }
    }
}
