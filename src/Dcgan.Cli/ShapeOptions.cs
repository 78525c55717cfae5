using System.CommandLine;
using Dcgan.Models;

namespace Dcgan.Cli;

/// <summary>--image-size and --channels: the shape of the images a command trains on, times or reads.</summary>
internal sealed class ShapeOptions
{
    public ShapeOptions(string sizeDefault, string channelsDefault)
    {
        ImageSize = new("--image-size")
        {
            Description = $"The images' side: 28 (the tutorial's models, gray) or {string.Join(", ", ImageShape.PaperSizes)} (the DCGAN paper's). {sizeDefault}",
        };
        Channels = new("--channels") { Description = $"1 (gray) or 3 (colour). {channelsDefault}" };
        Channels.Validators.Add(result =>
        {
            if (OptionRules.Converted<int>(result) is { } value && value is not (1 or 3))
            {
                result.AddError($"--channels must be 1 (gray) or 3 (colour) (got {value}).");
            }
        });
        ImageSize.Validators.Add(result =>
        {
            if (OptionRules.Converted<int>(result) is { } value && value != 28 && !ImageShape.PaperSizes.Contains(value))
            {
                result.AddError($"--image-size must be 28 (the tutorial's models, gray) or {string.Join(", ", ImageShape.PaperSizes)} (the DCGAN paper's, which double 4x4 up to the side) (got {value}).");
            }
        });
    }

    public Option<int?> ImageSize { get; }

    public Option<int?> Channels { get; }

    public void AddTo(Command command)
    {
        command.Options.Add(ImageSize);
        command.Options.Add(Channels);
    }

    /// <summary>The shape asked for, filled in from <paramref name="fallback"/> where a part was not given (a size
    /// without channels: 28 is gray, other sizes colour, as the models' defaults are).</summary>
    public ImageShape Shape(ParseResult parsed, ImageShape fallback)
    {
        int? size = parsed.GetValue(ImageSize), channels = parsed.GetValue(Channels);
        return new(channels ?? (size is null ? fallback.Channels : size == 28 ? 1 : 3), size ?? fallback.Size);
    }
}
