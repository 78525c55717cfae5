using System.CommandLine;
using Dcgan.Data;

namespace Dcgan.Cli;

/// <summary>The options that say where data comes from, shared by train and data.</summary>
internal sealed class DataOptions
{
    private readonly Option<FileInfo> images = new("--images")
    {
        Description = "An IDX image file (gzip or raw), such as train-images-idx3-ubyte.gz",
    };

    private readonly Option<FileInfo> labels = new("--labels") { Description = "The IDX label file of --images (optional)" };

    private readonly Option<string> data = new("--data")
    {
        Description = "A folder with the standard IDX files, a Keras-style mnist.npz, or a folder of your own PNG, JPEG, BMP, GIF or WebP " +
            "images with one subfolder per class (a folder without subfolders is one unlabelled class)",
    };

    private readonly ShapeOptions shape = new("Default: the data's own; 64 for a folder of colour images",
        "Default: the data's own; colour when a folder holds any colour image");

    private readonly Option<string> background = new("--background")
    {
        Description = "For a folder of images: the colour transparent pixels are put on: white, black or #rrggbb (default: white in colour; gray images as before)",
    };

    private readonly Option<string> fit = new("--fit")
    {
        Description = "For a folder of images: fit each image whole into the square (the rest black, or the background in colour) or crop it to fill the square",
        DefaultValueFactory = _ => "fit",
    };

    private readonly Option<string> invert = new("--invert")
    {
        Description = "For a folder of images: make dark-on-light images light-on-dark as MNIST is; auto inverts those whose border is light",
        DefaultValueFactory = _ => "auto",
    };

    private readonly Option<string> badImages = new("--bad-images")
    {
        Description = "For a folder of images: refuse a file that is not a readable image, or skip such files and say how many",
        DefaultValueFactory = _ => "refuse",
    };

    private readonly Option<int?> threads = new("--threads")
    {
        Description = "For a folder of images: how many threads decode it when it is prepared (default: one per core; the pixels are the same)",
    };

    private readonly Option<string> dataset = new("--dataset")
    {
        Description = "The dataset to find or download when no file is named",
        DefaultValueFactory = _ => DataSource.DefaultDataset,
    };

    private readonly Option<string[]> mirrors = new("--mirror")
    {
        Description = "A download location to use instead of the defaults (repeatable; a URL ending in .npz is a Keras archive). Also $DCGAN_MIRRORS",
        AllowMultipleArgumentsPerToken = false,
    };

    public DataOptions()
    {
        dataset.OneOf([.. DataSource.Datasets]);
        fit.OneOf("fit", "crop");
        invert.OneOf("auto", "yes", "no");
        badImages.OneOf("refuse", "skip");
        threads.Validators.Add(result =>
        {
            if (OptionRules.Converted<int>(result) is { } value && value is < 1 or > ImageFolderOptions.MaxThreads)
            {
                result.AddError($"--threads must be from 1 to {ImageFolderOptions.MaxThreads} (got {value}).");
            }
        });
        background.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string>() is { } value && Background.Parse(value) is null)
            {
                result.AddError($"--background must be white, black or a colour as #rrggbb (got {value}).");
            }
        });
    }

    public void AddTo(Command command)
    {
        command.Options.Add(images);
        command.Options.Add(labels);
        command.Options.Add(data);
        command.Options.Add(dataset);
        command.Options.Add(mirrors);
        shape.AddTo(command);
        command.Options.Add(background);
        command.Options.Add(fit);
        command.Options.Add(invert);
        command.Options.Add(badImages);
        command.Options.Add(threads);
        command.Validators.Add(result =>
        {
            if (result.GetResult(images) is not null && result.GetResult(data) is not null)
            {
                result.AddError("Name either --images FILE or --data DIR|FILE.npz, not both.");
            }
        });
    }

    /// <summary>Whether the command line names its data (--images, --data or --dataset), rather than leaving it to a default.</summary>
    public bool Named(ParseResult parsed) =>
        new Option[] { images, data, dataset }.Any(o => parsed.GetResult(o) is { Implicit: false });

    public DataRequest Request(ParseResult parsed) => new()
    {
        Images = parsed.GetValue(images)?.FullName,
        Labels = parsed.GetValue(labels)?.FullName,
        Data = parsed.GetValue(data) is { } d ? Path.GetFullPath(d) : null,
        Dataset = parsed.GetValue(dataset)!,
        Mirrors = parsed.GetValue(mirrors) ?? [],
        ImageSize = parsed.GetValue(shape.ImageSize),
        Channels = parsed.GetValue(shape.Channels),
        Folder = new ImageFolderOptions
        {
            Fit = parsed.GetValue(fit) == "crop" ? ImageFit.Crop : ImageFit.Fit,
            Invert = parsed.GetValue(invert) switch { "yes" => ImageInversion.Always, "no" => ImageInversion.Never, _ => ImageInversion.Auto },
            SkipBadFiles = parsed.GetValue(badImages) == "skip",
            Background = parsed.GetValue(background) is { } colour ? Background.Parse(colour) : null,
            Threads = parsed.GetValue(threads),
        },
    };
}
