using Dcgan.IO;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Dcgan.Data;

/// <summary>How a user's image becomes a 28x28 one: fitted whole inside the square (the rest black), or cropped to
/// fill it.</summary>
public enum ImageFit
{
    Fit,
    Crop,
}

/// <summary>Whether a user's images are inverted, so that the subject is light on black as in MNIST.</summary>
public enum ImageInversion
{
    /// <summary>Inverted when the image's border is mostly light: a dark drawing on white paper.</summary>
    Auto,
    Always,
    Never,
}

/// <summary>How a folder of the user's own images is read: the conversion, and what to do with a file that is no image.</summary>
public sealed record ImageFolderOptions
{
    public ImageFit Fit { get; init; } = ImageFit.Fit;
    public ImageInversion Invert { get; init; } = ImageInversion.Auto;

    /// <summary>Skip files that cannot be read as images (and count them) instead of refusing the folder.</summary>
    public bool SkipBadFiles { get; init; }
}

/// <summary>
/// A folder of the user's own images, read as torchvision's ImageFolder reads one: each subfolder is a class, the
/// class names are the subfolders' names sorted by code point (Python's sorted()), each class's files are found in
/// its subfolder and below, sorted by path, and files of other kinds are ignored. A folder without subfolders is
/// one unlabelled class. Each PNG, JPEG or BMP image is decoded by ImageSharp, made grayscale (ITU-R BT.709 luma),
/// inverted where asked, and resized with bicubic resampling to 28x28 (<see cref="ImageFit"/>).
/// </summary>
public static class ImageFolder
{
    /// <summary>The extensions read, as torchvision's IMG_EXTENSIONS has them (lower case; compared without case).</summary>
    public static readonly string[] Extensions = [".png", ".jpg", ".jpeg", ".bmp"];

    /// <summary>Images larger than this (width times height) are refused before they are decoded.</summary>
    public const long MaxPixels = 64L * 1024 * 1024;

    public const int Side = 28;

    /// <summary>Whether <paramref name="folder"/> looks like an image folder: images in it, or subfolders.</summary>
    public static bool Holds(string folder) =>
        Directory.Exists(folder) && (Directory.EnumerateDirectories(folder).Any() || Directory.EnumerateFiles(folder).Any(IsImage));

    private static bool IsImage(string path) => Extensions.Contains(Path.GetExtension(path).ToLowerInvariant());

    /// <summary>The folder's images, labelled by class (and the classes named) where it has class folders; <paramref name="log"/> hears what
    /// was left out. Throws InvalidDataException with one line naming the folder or file at fault.</summary>
    public static ImageSet Read(string folder, ImageFolderOptions options, Action<string>? log = null)
    {
        var classes = Directory.GetDirectories(folder).Select(d => Path.GetFileName(d)!).Order(StringComparer.Ordinal).ToArray();
        if (classes.Length > byte.MaxValue + 1)
        {
            throw new InvalidDataException($"{folder} has {classes.Length} class folders; at most 256 classes are supported.");
        }
        var visited = new FolderVisits();
        var files = classes.Length == 0
            ? [(Label: (byte)0, Files: ImagesUnder(folder, recursive: false, visited))]
            : classes.Select((name, k) => (Label: (byte)k, Files: ImagesUnder(Path.Combine(folder, name), recursive: true, visited))).ToArray();
        if (visited.Repeats.Count > 0)
        {
            log?.Invoke($"note: skipped {visited.Repeats.Count} folder{(visited.Repeats.Count == 1 ? "" : "s")} already read, reached again through a link (the first: {visited.Repeats[0]}).");
        }
        if (classes.Length > 0 && Array.FindIndex(files, c => c.Files.Length == 0) is >= 0 and var empty)
        {
            throw new InvalidDataException($"{Path.Combine(folder, classes[empty])} holds no PNG, JPEG or BMP image; remove the class folder or add images.");
        }
        int loose = classes.Length > 0 ? Directory.EnumerateFiles(folder).Count(IsImage) : 0;
        if (loose > 0)
        {
            log?.Invoke($"note: {loose} image{(loose == 1 ? "" : "s")} directly in {folder} belong to no class folder and are left out.");
        }
        var pixels = new List<byte>();
        var labels = new List<byte>();
        var skipped = new List<string>();
        foreach (var (label, paths) in files)
        {
            foreach (string path in paths)
            {
                if (Convert(path, options, out var image, out string? problem))
                {
                    pixels.AddRange(image);
                    labels.Add(label);
                }
                else if (options.SkipBadFiles)
                {
                    skipped.Add(path);
                }
                else
                {
                    throw new BadImageException(path, problem!);
                }
            }
        }
        if (skipped.Count > 0)
        {
            log?.Invoke($"note: skipped {skipped.Count} unreadable file{(skipped.Count == 1 ? "" : "s")} (the first: {skipped[0]}).");
        }
        if (labels.Count == 0)
        {
            throw new InvalidDataException($"{folder} holds no readable PNG, JPEG or BMP image; give a folder of images, one subfolder per class.");
        }
        var set = new ImageSet([.. pixels], labels.Count, Side, Side);
        return classes.Length == 0 ? set : set.WithLabels([.. labels], classes);
    }

    /// <summary>The images in a folder, and with <paramref name="recursive"/> in its subfolders, following links as
    /// torchvision does but never into a folder already read (a link back up would repeat the folder without end).</summary>
    private static string[] ImagesUnder(string folder, bool recursive, FolderVisits visited)
    {
        var found = new List<string>();
        var pending = new Stack<string>([folder]);
        while (pending.TryPop(out string? current))
        {
            if (!visited.First(current))
            {
                continue;
            }
            found.AddRange(Directory.EnumerateFiles(current).Where(IsImage));
            if (recursive)
            {
                foreach (string sub in Directory.EnumerateDirectories(current).Order(StringComparer.Ordinal).Reverse())
                {
                    pending.Push(sub);
                }
            }
        }
        return [.. found.Order(StringComparer.Ordinal)];
    }

    /// <summary>The folders read so far, by what they are on disk (device and inode on Linux, the full path
    /// elsewhere), and the paths that led back to one of them.</summary>
    private sealed class FolderVisits
    {
        private readonly HashSet<string> seen = [];

        public List<string> Repeats { get; } = [];

        /// <summary>Whether <paramref name="folder"/> is read for the first time; a repeat is noted.</summary>
        public bool First(string folder)
        {
            string identity = UnixStat.Of(folder) is { } entry ? $"{entry.Device}:{entry.Inode}" : Path.GetFullPath(folder);
            if (seen.Add(identity))
            {
                return true;
            }
            Repeats.Add(folder);
            return false;
        }
    }

    /// <summary>One image as 28x28 gray bytes, or false and what is wrong with the file.</summary>
    public static bool Convert(string path, ImageFolderOptions options, out byte[] pixels, out string? problem)
    {
        pixels = [];
        try
        {
            // ImageSharp 2 identifies an unknown format as null rather than throwing.
            if (Image.Identify(path, out var format) is not { } info)
            {
                problem = "is not an image that can be read (no PNG, JPEG or BMP data in it)";
                return false;
            }
            if ((long)info.Width * info.Height > MaxPixels)
            {
                problem = $"is {info.Width}x{info.Height} pixels, more than {MaxPixels / 1024 / 1024} megapixels";
                return false;
            }
            // A JPEG is read once, for the check of its end and for decoding; other formats are decoded from the file.
            byte[]? jpeg = format is JpegFormat ? File.ReadAllBytes(path) : null;
            if (jpeg is not null && !JpegIsWhole(jpeg))
            {
                problem = "is a truncated JPEG (its data ends before the image does)";
                return false;
            }
            using var image = jpeg is null ? Image.Load<L8>(path) : Image.Load<L8>(jpeg);
            if (options.Invert == ImageInversion.Always || (options.Invert == ImageInversion.Auto && BorderIsLight(image)))
            {
                image.Mutate(x => x.Invert());
            }
            image.Mutate(x => x.Resize(new ResizeOptions
            {
                Size = new Size(Side, Side),
                Mode = options.Fit == ImageFit.Fit ? ResizeMode.Pad : ResizeMode.Crop,
                PadColor = Color.Black,
                Sampler = KnownResamplers.Bicubic,
            }));
            pixels = new byte[Side * Side];
            image.CopyPixelDataTo(pixels);
            problem = null;
            return true;
        }
        catch (Exception e) when (e is UnknownImageFormatException or InvalidImageContentException or NotSupportedException or IOException
            or UnauthorizedAccessException)
        {
            problem = $"is not an image that can be read ({e.Message.Split('\n')[0].TrimEnd('.')})";
            return false;
        }
    }

    /// <summary>Whether a JPEG's last scan is followed by its end-of-image marker (FF D9). ImageSharp decodes a cut
    /// file without a word, filling the missing rows with gray, where PIL says "truncated". Inside a scan's data every
    /// FF byte is stuffed (FF 00), so the markers are found by their bytes: a whole file has an FF D9 after its last
    /// start-of-scan (FF DA); a cut one has none (an EXIF thumbnail's end marker, if any, comes before).</summary>
    private static bool JpegIsWhole(byte[] bytes)
    {
        int lastScan = -1, lastEnd = -1;
        for (int i = 0; i + 1 < bytes.Length; i++)
        {
            if (bytes[i] == 0xFF)
            {
                if (bytes[i + 1] == 0xDA)
                {
                    lastScan = i;
                }
                else if (bytes[i + 1] == 0xD9)
                {
                    lastEnd = i;
                }
            }
        }
        return lastScan >= 0 && lastEnd > lastScan;
    }

    /// <summary>Whether the outermost pixels average above mid-gray: a light background.</summary>
    private static bool BorderIsLight(Image<L8> image)
    {
        long sum = 0, count = 0;
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                bool edgeRow = y == 0 || y == rows.Height - 1;
                for (int x = 0; x < row.Length; x++)
                {
                    if (edgeRow || x == 0 || x == row.Length - 1)
                    {
                        sum += row[x].PackedValue;
                        count++;
                    }
                }
            }
        });
        return sum > 127.5 * count;
    }
}

/// <summary>A file in a folder of images that cannot be used as one (<see cref="Problem"/> says why), where bad files
/// are not to be skipped (<see cref="ImageFolderOptions.SkipBadFiles"/>).</summary>
public sealed class BadImageException(string path, string problem)
    : IOException($"{path} {problem}; remove it, or have bad images skipped.")
{
    public string Path { get; } = path;
    public string Problem { get; } = problem;
}
