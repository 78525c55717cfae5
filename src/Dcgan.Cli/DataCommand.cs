using System.CommandLine;
using System.Globalization;
using System.Text;
using Dcgan.Data;
using Dcgan.IO;

namespace Dcgan.Cli;

/// <summary>dcgan data info | fetch | export | prepare | cache: what data the tool would use, downloading it or preparing
/// a folder ahead of training, and the prepared copies kept.</summary>
internal static class DataCommand
{
    public static Command Create()
    {
        var command = new Command("data", "Find, check and download datasets.");
        command.Subcommands.Add(Info());
        command.Subcommands.Add(Fetch());
        command.Subcommands.Add(Export());
        command.Subcommands.Add(Prepare());
        command.Subcommands.Add(Cache());
        return command;
    }

    /// <summary>A folder decoded ahead of training into its prepared copy, as train would on its first run.</summary>
    private static Command Prepare()
    {
        var data = new DataOptions();
        var command = new Command("prepare", "Decode a folder of images once, on every core, into the cache, at the shape and with the options train will use; later runs read it from there and start at once.\n" +
            "Example: dcgan data prepare --data ~/celeba --image-size 64 --fit crop");
        data.AddTo(command);
        command.SetAction(parsed => UserErrors.Run(parsed, () =>
        {
            var request = data.Request(parsed);
            if (request.Data is not { } folder || !Directory.Exists(folder) || DataSource.HasTestSplit(request))
            {
                Console.Error.WriteLine("dcgan: error: only a folder of your own images is prepared (--data FOLDER); IDX files, .npz archives and CIFAR-10 are read as they are.");
                return UserErrors.Usage;
            }
            var clock = System.Diagnostics.Stopwatch.StartNew();
            using var images = Downloads.Load(request, Split.Train).Images;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Ready: {images.Count} images of {images.DescribeShape()}{(images.ClassNames is { } names ? $" in {names.Count} classes" : "")}, {Sizes(images.TotalBytes)} ({clock.Elapsed.TotalSeconds:F1} s)."));
            return 0;
        }));
        return command;
    }

    /// <summary>The prepared copies in the cache: list them, or remove some.</summary>
    private static Command Cache()
    {
        var remove = new Option<string[]>("--remove")
        {
            Description = "Remove the prepared copy of this name (as listed), or all of them with 'all'",
            AllowMultipleArgumentsPerToken = true,
        };
        var command = new Command("cache", "List the prepared copies of folders in the cache (DCGAN_DATA, else ~/.cache/dcgan), with their sizes; --remove deletes them (a folder is prepared again when next used).\n" +
            "Example: dcgan data cache --remove all")
        {
            remove,
        };
        command.SetAction(parsed => UserErrors.Run(parsed, () =>
        {
            string cache = DataRequest.DefaultCacheFolder();
            var copies = PreparedFolder.List(cache);
            if (parsed.GetValue(remove) is { Length: > 0 } names)
            {
                var chosen = names.Contains("all") ? copies : [.. copies.Where(c => names.Contains(Path.GetFileName(c.Path)))];
                if (names.FirstOrDefault(n => n != "all" && copies.All(c => Path.GetFileName(c.Path) != n)) is { } unknown)
                {
                    Console.Error.WriteLine($"dcgan: error: {PreparedFolder.Location(cache)} holds no prepared copy named {unknown}; 'dcgan data cache' lists them.");
                    return UserErrors.Failure;
                }
                foreach (var copy in chosen)
                {
                    PreparedFolder.Remove(copy);
                    Console.WriteLine($"Removed {Path.GetFileName(copy.Path)} ({Sizes(copy.Bytes)}{(copy.Folder is { } f ? $", {f}" : "")})");
                }
                return 0;
            }
            if (copies.Count == 0)
            {
                Console.WriteLine($"No prepared copies in {PreparedFolder.Location(cache)}.");
                return 0;
            }
            Console.WriteLine($"{copies.Count} prepared cop{(copies.Count == 1 ? "y" : "ies")} in {PreparedFolder.Location(cache)}, {Sizes(copies.Sum(c => c.Bytes))} in all:");
            foreach (var copy in copies)
            {
                string what = copy.Damage is { } damage ? $"damaged ({damage}); prepared again when next used"
                    : $"{copy.Images} images of {copy.Shape} from {copy.Folder} ({copy.Options})";
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {Path.GetFileName(copy.Path)}  {Sizes(copy.Bytes),8}  {copy.LastWriteUtc:yyyy-MM-dd HH:mm}  {what}"));
            }
            return 0;
        }));
        return command;
    }

    private static string Sizes(long bytes) => Diagnostics.MachineInfo.Describe(bytes);

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
            if (DataSource.Datasets.Contains(request.Dataset))
            {
                OutputPath.CheckFolder(DataSource.CacheOf(request, request.Dataset), "the cache"); // before any download
            }
            foreach (var split in new[] { Split.Train, Split.Test })
            {
                var loaded = Downloads.Load(request, split);
                Console.WriteLine($"{split.ToString().ToLowerInvariant()}: {loaded.Images.Count} images at {loaded.Origin.Path} ({loaded.Origin.DescribeChecksum()})");
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
            if (loaded.Images.Labels is { } labels)
            {
                IdxFile.WriteLabels(OutputPath.CheckFile(labelsPath, "--out", request.Images, request.Labels), labels);
                Console.WriteLine($"Wrote their labels to {labelsPath}{(loaded.Images.ClassNames is { } names ? $" ({string.Join(", ", names.Select((n, k) => $"{k} {n}"))})" : "")}");
            }
            return 0;
        }));
        return command;
    }

    private static string DatasetArgument(DataRequest request) =>
        request.Dataset == DataSource.DefaultDataset ? "" : $" --dataset {request.Dataset}";

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

    /// <summary>The smallest, largest and mean pixel, read an image at a time.</summary>
    private static (byte Min, byte Max, double Mean) PixelRange(ImageSet images)
    {
        var image = new byte[images.ImageBytes];
        byte min = byte.MaxValue, max = byte.MinValue;
        double sum = 0;
        for (int i = 0; i < images.Count; i++)
        {
            images.CopyImage(i, image);
            foreach (byte p in image)
            {
                (min, max, sum) = (Math.Min(min, p), Math.Max(max, p), sum + p);
            }
        }
        return (min, max, sum / images.TotalBytes);
    }

    private static string Describe(Split split, LoadedData loaded)
    {
        var images = loaded.Images;
        var (min, max, mean) = PixelRange(images);
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        text.AppendLine(c, $"{split.ToString().ToLowerInvariant()}: {images.Count} images of {images.DescribeShape()}");
        text.AppendLine(c, $"  from      {Words(loaded.Origin.Kind)}: {loaded.Origin.Path}");
        text.AppendLine(c, $"  pixels    {min}..{max}, mean {mean:F1}");
        text.AppendLine(c, $"  checksum  {loaded.Origin.DescribeChecksum()}");
        if (loaded.Images.Labels is { } labels)
        {
            var counts = labels.GroupBy(l => l).OrderBy(g => g.Key)
                .Select(g => loaded.Images.ClassNames is { } names ? $"{g.Key} {names[g.Key]}:{g.Count()}" : $"{g.Key}:{g.Count()}");
            text.AppendLine(c, $"  classes   {string.Join("  ", counts)}");
        }
        else
        {
            text.AppendLine("  classes   (no labels)");
        }
        return text.ToString().TrimEnd();
    }
}
