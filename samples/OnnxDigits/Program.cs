// OnnxDigits: new images from a DCGAN generator in ONNX form, with ONNX Runtime alone.
//   dotnet run --project samples/OnnxDigits -- generator.onnx digits.png [count] [seed]
// The model takes noise [N, 100] from N(0, 1) and gives images [N, C, S, S] in [-1, 1]: [N, 1, 28, 28] for the
// tutorial's digits, [N, 3, 64, 64] for colour at the DCGAN paper's size, and so on (C and S are in the output's
// shape, and in the metadata as image_channels and image_size). When its metadata has code_categories K > 0, the
// first K of the 100 inputs are a one-hot category instead of noise.
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

if (args.Length < 2)
{
    Console.Error.WriteLine("usage: OnnxDigits MODEL.onnx OUT.png [count=16] [seed=0]");
    return 2;
}
string model = args[0], output = args[1];
int count = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 16;
int seed = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 0;

using var session = new InferenceSession(model);
var noise = new DenseTensor<float>(Gaussian(count * 100, seed), [count, 100]);
int categories = session.ModelMetadata.CustomMetadataMap.TryGetValue("code_categories", out string? k) ? int.Parse(k, System.Globalization.CultureInfo.InvariantCulture) : 0;
for (int i = 0; i < count && categories > 0; i++)
{
    for (int c = 0; c < categories; c++)
    {
        noise[i, c] = c == i % categories ? 1 : 0; // the categories in turn, so a grid shows each
    }
}
using var results = session.Run([NamedOnnxValue.CreateFromTensor(session.InputMetadata.Keys.Single(), noise)]);
var images = results.Single().AsTensor<float>();

// A grid of S x S tiles, as square as the count allows, with x * 127.5 + 127.5 as the level of each channel
// (red, green and blue planes for colour; one gray plane otherwise).
int channels = images.Dimensions[1], side = images.Dimensions[2];
int columns = (int)Math.Ceiling(Math.Sqrt(count)), rows = (count + columns - 1) / columns;
using var grid = new Image<Rgb24>(columns * side, rows * side);
for (int i = 0; i < count; i++)
{
    for (int y = 0; y < side; y++)
    {
        for (int x = 0; x < side; x++)
        {
            byte Level(int c) => (byte)Math.Clamp(images[i, c, y, x] * 127.5f + 127.5f, 0, 255);
            grid[i % columns * side + x, i / columns * side + y] = channels == 3 ? new Rgb24(Level(0), Level(1), Level(2)) : new Rgb24(Level(0), Level(0), Level(0));
        }
    }
}
grid.SaveAsPng(output);
Console.WriteLine($"Wrote {count} images of {side}x{side} {(channels == 3 ? "colour" : "gray")} to {output}");
return 0;

// Standard normal numbers by the Box-Muller transform (System.Random has none of its own).
static float[] Gaussian(int n, int seed)
{
    var random = new Random(seed);
    var values = new float[n];
    for (int i = 0; i < n; i += 2)
    {
        double radius = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())), angle = 2 * Math.PI * random.NextDouble();
        values[i] = (float)(radius * Math.Cos(angle));
        if (i + 1 < n)
        {
            values[i + 1] = (float)(radius * Math.Sin(angle));
        }
    }
    return values;
}
