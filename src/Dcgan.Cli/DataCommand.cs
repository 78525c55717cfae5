using System.CommandLine;
using System.Globalization;
using System.Text;
using Dcgan.Data;
using Dcgan.IO;

namespace Dcgan.Cli;

/// <summary>dcgan data info | fetch: what data the tool would use, and downloading it ahead of training.</summary>
internal static class DataCommand
{
    public static Command Create()
    {
        var command = new Command("data", "Find, check and download datasets.");
        command.Subcommands.Add(Info());
        command.Subcommands.Add(Fetch());
        command.Subcommands.Add(Export());
        return command;
    }

    private static Command Info()
    {
        var data = new DataOptions();
        var command = new Command("info", "Show what data was found and where (never downloads): counts, shape, pixel range, classes, checksum.\n" +
            "Example: dcgan data info --dataset fashion-mnist");
        data.AddTo(command);
        command.SetAction(parsed => UserErrors.Run(parsed, () =>
        {
            var request = data.Request(parsed) with { Offline = true };
            int status = 0;
            foreach (var split in new[] { Split.Train, Split.Test })
            {
                if (split == Split.Test && request.Images is not null)
                {
                    break; // --images names one file, not a dataset with two splits
                }
                LoadedData loaded;
                try
                {
                    loaded = DataSource.Load(request, split);
                }
                catch (DownloadFailedException)
                {
                    Console.WriteLine($"{split.ToString().ToLowerInvariant()}: not found on this machine; 'dcgan data fetch{DatasetArgument(request)}' downloads it.");
                    continue;
                }
                catch (InvalidDataException e) when (split == Split.Train)
                {
                    Console.Error.WriteLine($"dcgan: error: {e.Message}");
                    status = UserErrors.Failure; // what train would read is missing or unreadable: the user's to fix
                    continue;
                }
                catch (InvalidDataException e)
                {
                    Console.WriteLine($"{split.ToString().ToLowerInvariant()}: {e.Message}");
                    continue;
                }
                Console.WriteLine(Describe(split, loaded));
            }
            return status;
        }));
        return command;
    }

    private static Command Fetch()
    {
        var data = new DataOptions();
        var command = new Command("fetch", "Download a dataset's train and test files into the cache, verified, without training.\n" +
            "Example: dcgan data fetch --dataset mnist");
        data.AddTo(command);
        command.SetAction(parsed => UserErrors.Run(parsed, () =>
        {
            var request = data.Request(parsed);
            if (DatasetCatalog.Names.Contains(request.Dataset))
            {
                OutputPath.CheckFolder(DataSource.CacheOf(request, request.Dataset), "the cache"); // before any download
            }
            foreach (var split in new[] { Split.Train, Split.Test })
            {
                var loaded = Downloads.Load(request, split);
                Console.WriteLine($"{split.ToString().ToLowerInvariant()}: {loaded.Images.Count} images at {loaded.ImagesPath} ({loaded.Checksum.Status.ToString().ToLowerInvariant()}: {loaded.Checksum.Detail})");
            }
            return 0;
        }));
        return command;
    }

    /// <summary>The training images exactly as train reads them (size, channels, background, fit), as IDX: for another
    /// tool to train on the same pixels (benchmarks/pytorch_dcgan.py), or to look at what the models see.</summary>
    private static Command Export()
    {
        var data = new DataOptions();
        var output = new Option<FileInfo>("--out") { Description = "The IDX file to write (.idx, or .gz compressed); labels go beside it as NAME-labels.idx", Required = true };
        var command = new Command("export", "Write the training images as train reads them (at the chosen size and channels) to an IDX file, with their labels.\n" +
            "Example: dcgan data export --data ../shared/data/emoji --image-size 32 --out emoji32.idx")
        {
            output,
        };
        data.AddTo(command);
        command.SetAction(parsed => UserErrors.Run(parsed, () =>
        {
            var request = data.Request(parsed);
            string path = OutputPath.CheckFile(parsed.GetValue(output)!.FullName, "--out", request.Images, request.Labels);
            string labelsPath = Path.Combine(Path.GetDirectoryName(path)!, $"{Path.GetFileNameWithoutExtension(path)}-labels.idx");
            var loaded = Downloads.Load(request, Split.Train);
            IdxFile.WriteImages(path, loaded.Images);
            Console.WriteLine($"Wrote {loaded.Images.Count} images of {loaded.Images.DescribeShape()} to {path}");
            if (loaded.Labels is { } labels)
            {
                IdxFile.WriteLabels(OutputPath.CheckFile(labelsPath, "--out", request.Images, request.Labels), labels);
                Console.WriteLine($"Wrote their labels to {labelsPath}{(loaded.ClassNames is { } names ? $" ({string.Join(", ", names.Select((n, k) => $"{k} {n}"))})" : "")}");
            }
            return 0;
        }));
        return command;
    }

    private static string DatasetArgument(DataRequest request) =>
        request.Dataset == DatasetCatalog.Mnist.Name ? "" : $" --dataset {request.Dataset}";

    /// <summary>Where data came from, in the command line's words.</summary>
    private static string Words(DataKind kind) => kind switch
    {
        DataKind.ImageFile => "--images",
        DataKind.NamedData => "--data",
        DataKind.SystemCopy => "system copy",
        DataKind.Cache => "cache",
        DataKind.KerasCache => "Keras cache",
        _ => "download",
    };

    private static string Describe(Split split, LoadedData loaded)
    {
        var images = loaded.Images;
        byte min = images.Pixels.Min(), max = images.Pixels.Max();
        double mean = images.Pixels.Average(p => (double)p);
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        text.AppendLine(c, $"{split.ToString().ToLowerInvariant()}: {images.Count} images of {images.DescribeShape()}");
        text.AppendLine(c, $"  from      {Words(loaded.Kind)}: {loaded.ImagesPath}");
        text.AppendLine(c, $"  pixels    {min}..{max}, mean {mean:F1}");
        text.AppendLine(c, $"  checksum  {loaded.Checksum.Status.ToString().ToLowerInvariant()}: {loaded.Checksum.Detail}");
        if (loaded.Labels is { } labels)
        {
            var counts = labels.GroupBy(l => l).OrderBy(g => g.Key)
                .Select(g => loaded.ClassNames is { } names ? $"{g.Key} {names[g.Key]}:{g.Count()}" : $"{g.Key}:{g.Count()}");
            text.AppendLine(c, $"  classes   {string.Join("  ", counts)}");
        }
        else
        {
            text.AppendLine("  classes   (no labels)");
        }
        return text.ToString().TrimEnd();
    }
}
