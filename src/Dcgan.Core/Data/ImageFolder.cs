using Dcgan.IO;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Dcgan.Data;

/// <summary>How a user's image becomes a square one: fitted whole inside the square (the rest black, or the
/// background in colour), or cropped to fill it.</summary>
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
    /// <summary>The most decoding threads one may ask for.</summary>
    public const int MaxThreads = 256;

    public ImageFit Fit { get; init; } = ImageFit.Fit;
    public ImageInversion Invert { get; init; } = ImageInversion.Auto;

    /// <summary>Skip files that cannot be read as images (and count them) instead of refusing the folder.</summary>
    public bool SkipBadFiles { get; init; }

    /// <summary>The side to read the images at; null: 28 for gray images (MNIST's), 64 for colour (the DCGAN paper's,
    /// as pytorch/examples reads a folder).</summary>
    public int? Size { get; init; }

    /// <summary>1 (gray) or 3 (colour); null: colour when any image in the folder has colour, else gray.</summary>
    public int? Channels { get; init; }

    /// <summary>What transparent pixels are composited onto; null: white in colour, and in gray the transparent
    /// pixels' own gray, as before colour was read.</summary>
    public Background? Background { get; init; }

    /// <summary>How many threads decode the images; null: one per core. The pixels do not depend on it.</summary>
    public int? Threads { get; init; }

    /// <summary>The first problem with these options, in words free of command-line flags, or null.</summary>
    public string? Problem() =>
        Channels is not (null or 1 or 3) ? $"images are read with 1 channel (gray) or 3 (colour), not {Channels}."
        : Threads is < 1 or > MaxThreads ? $"images are decoded on 1 to {MaxThreads} threads, not {Threads}."
        : Size is { } size && new Models.ImageShape(Channels ?? 3, size) is var shape && shape.Problem() is { } problem
            && !(size == Models.ImageShape.Tutorial.Size && Channels is null or 1) ? problem
        : null;
}

/// <summary>
/// A folder of the user's own images, read as torchvision's ImageFolder reads one: each subfolder is a class, the
/// class names are the subfolders' names sorted by code point (Python's sorted()), each class's files are found in
/// its subfolder and below, sorted by path, and files of other kinds are ignored. A folder without subfolders is
/// one unlabelled class. Each PNG, JPEG, BMP, GIF (its first frame) or WebP image is decoded by ImageSharp (palette,
/// 16-bit, CMYK and gray-with-alpha images included), turned upright as its EXIF orientation says, and resized with
/// bicubic resampling to a square (<see cref="ImageFit"/>). Gray: made grayscale (ITU-R BT.709 luma) and inverted where
/// asked, as MNIST's digits are light on black. Colour: transparent pixels composited onto the background, then red,
/// green and blue. The shape is the options' or the folder's (<see cref="ImageFolderOptions.Size"/>).
/// </summary>
public static class ImageFolder
{
    /// <summary>The extensions read, as torchvision's IMG_EXTENSIONS has them (lower case; compared without case).</summary>
    public static readonly string[] Extensions = [".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"];

    /// <summary>The formats read, for messages.</summary>
    private const string Formats = "PNG, JPEG, BMP, GIF or WebP";

    /// <summary>Images larger than this (width times height) are refused before they are decoded.</summary>
    public const long MaxPixels = 64L * 1024 * 1024;

    /// <summary>The side of gray images when none is asked: MNIST's.</summary>
    public const int Side = 28;

    /// <summary>The side of colour images when none is asked: the DCGAN paper's.</summary>
    public const int ColourSide = 64;

    /// <summary>Whether <paramref name="folder"/> looks like an image folder: images in it, or subfolders.</summary>
    public static bool Holds(string folder) =>
        Directory.Exists(folder) && (Directory.EnumerateDirectories(folder).Any() || Directory.EnumerateFiles(folder).Any(IsImage));

    private static bool IsImage(string path) => Extensions.Contains(Path.GetExtension(path).ToLowerInvariant());

    /// <summary>The folder's images, labelled by class (and the classes named) where it has class folders; <paramref name="log"/> hears what
    /// was left out. Throws InvalidDataException with one line naming the folder or file at fault. Every image is
    /// decoded (on <see cref="ImageFolderOptions.Threads"/> threads) into memory: for folders that fit it;
    /// <see cref="PreparedFolder"/> decodes a folder once into a file that is read a batch at a time.</summary>
    public static ImageSet Read(string folder, ImageFolderOptions options, Action<string>? log = null)
    {
        var listing = List(folder, log);
        var shape = ChooseShape(listing, options, log);
        long most = (long)listing.Files.Count * shape.Values;
        if (most > Array.MaxLength)
        {
            throw new InvalidDataException($"{folder} holds {listing.Files.Count} images, {most / (1024 * 1024)} MiB at {shape.Describe()}: more than memory holds in one array; read it as a prepared folder instead.");
        }
        var pixels = new byte[most];
        var labels = new List<byte>();
        var decoded = Decode(listing, shape, options, (image, label) =>
        {
            image.CopyTo(pixels.AsSpan(labels.Count * shape.Values));
            labels.Add(label);
        });
        decoded.Notes.ForEach(note => log?.Invoke(note));
        var set = new ImageSet(labels.Count == listing.Files.Count ? pixels : pixels[..(labels.Count * shape.Values)], labels.Count, shape.Size, shape.Size, shape.Channels);
        return listing.Classes is not { } classes ? set : set.WithLabels([.. labels], classes);
    }

    /// <summary>The folder's image files, in the order they are read, each with its class, size and time of change;
    /// <paramref name="log"/> hears what is left out. Throws InvalidDataException for a folder that cannot be read as
    /// classes of images.</summary>
    internal static FolderListing List(string folder, Action<string>? log)
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
            throw new InvalidDataException($"{Path.Combine(folder, classes[empty])} holds no {Formats} image; remove the class folder or add images.");
        }
        int loose = classes.Length > 0 ? Directory.EnumerateFiles(folder).Count(IsImage) : 0;
        if (loose > 0)
        {
            log?.Invoke($"note: {loose} image{(loose == 1 ? "" : "s")} directly in {folder} belong to no class folder and are left out.");
        }
        var listed = files.SelectMany(c => c.Files.Select(f => ListedFile.Of(f, c.Label))).ToList();
        if (listed.Count == 0)
        {
            throw NoImages(folder);
        }
        return new FolderListing(Path.GetFullPath(folder), classes.Length == 0 ? null : classes, listed);
    }

    /// <summary>What <see cref="Decode"/> read: the images kept, and the notes on the rest (files skipped, gray images
    /// in colour, animated GIFs).</summary>
    internal sealed record Decoded(int Count, List<string> Notes);

    /// <summary>Decodes the listed files in order on <see cref="ImageFolderOptions.Threads"/> threads, a block at a
    /// time, handing each image and its label to <paramref name="take"/> in the listing's order (so the bytes do not
    /// depend on the number of threads); <paramref name="progress"/> hears how many files are done. A file that is not
    /// an image is skipped or refused as the options say; one that changed since it was listed is refused as such.</summary>
    internal static Decoded Decode(FolderListing listing, Models.ImageShape shape, ImageFolderOptions options, TakeImage take,
        Action<int>? progress = null, CancellationToken cancel = default)
    {
        int threads = options.Threads ?? Environment.ProcessorCount;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = threads, CancellationToken = cancel };
        var block = new (byte[] Pixels, string? Problem, bool Animated)[Math.Max(64, 32 * threads)];
        var skipped = new List<string>();
        int kept = 0, grayInColour = 0, animated = 0;
        for (int start = 0; start < listing.Files.Count; start += block.Length)
        {
            int count = Math.Min(block.Length, listing.Files.Count - start);
            Parallel.For(0, count, parallel, i =>
            {
                bool ok = Convert(listing.Files[start + i].Path, options, shape, out var image, out string? problem, out bool isAnimated);
                block[i] = (image, ok ? null : problem, isAnimated);
            });
            for (int i = 0; i < count; i++)
            {
                var file = listing.Files[start + i];
                var (image, problem, isAnimated) = block[i];
                if (problem is not null)
                {
                    listing.RefuseChanged(file);
                    if (!options.SkipBadFiles)
                    {
                        throw new BadImageException(file.Path, problem);
                    }
                    skipped.Add(file.Path);
                    continue;
                }
                take(image, file.Label);
                kept++;
                grayInColour += shape.Channels == 3 && IsGray(image) ? 1 : 0;
                animated += isAnimated ? 1 : 0;
            }
            progress?.Invoke(start + count);
        }
        var notes = new List<string>();
        if (skipped.Count > 0)
        {
            notes.Add($"note: skipped {skipped.Count} unreadable file{(skipped.Count == 1 ? "" : "s")} (the first: {skipped[0]}).");
        }
        if (grayInColour > 0 && grayInColour < kept)
        {
            notes.Add($"note: {grayInColour} of the {kept} images are gray; they are read as colour images whose red, green and blue are equal.");
        }
        if (animated > 0)
        {
            notes.Add($"note: {animated} animated GIF{(animated == 1 ? " is" : "s are")} read as {(animated == 1 ? "its" : "their")} first frame.");
        }
        if (kept == 0)
        {
            throw NoImages(listing.Folder);
        }
        return new Decoded(kept, notes);
    }

    private static InvalidDataException NoImages(string folder) =>
        new($"{folder} holds no readable {Formats} image; give a folder of images, one subfolder per class.");

    /// <summary>Takes one decoded image (its bytes are only valid during the call) and its label.</summary>
    internal delegate void TakeImage(ReadOnlySpan<byte> image, byte label);

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

    /// <summary>The shape the folder is read at: the options' size and channels, else colour when any image has
    /// colour (64x64, the paper's) and gray otherwise (28x28, MNIST's); said in a note when not asked.</summary>
    internal static Models.ImageShape ChooseShape(FolderListing listing, ImageFolderOptions options, Action<string>? log)
    {
        if (options.Problem() is { } problem)
        {
            throw new ArgumentException(problem);
        }
        string? colourFile = options.Channels is null ? listing.Files.Select(f => f.Path).FirstOrDefault(HasColour) : null;
        int channels = options.Channels ?? (colourFile is null ? 1 : 3);
        var shape = new Models.ImageShape(channels, options.Size ?? (channels == 3 ? ColourSide : Side));
        if (colourFile is not null)
        {
            string size = options.Size is null ? $", at the DCGAN paper's {ColourSide}x{ColourSide}" : "";
            log?.Invoke($"note: reading the images in colour{size}: the folder holds colour images ({Path.GetRelativePath(listing.Folder, colourFile)}, the first).");
        }
        return shape;
    }

    /// <summary>Whether an image has colour: a pixel whose red, green and blue differ. A file whose format holds
    /// gray only (gray PNG, JPEG, BMP) is gray without decoding it; an unreadable file is left to the reading.</summary>
    private static bool HasColour(string path)
    {
        try
        {
            var info = Image.Identify(path, out var format);
            if (info is null || (long)info.Width * info.Height is 0 or > MaxPixels || DeclaresGray(info, format))
            {
                return false;
            }
            using var image = Image.Load<Rgb24>(path);
            bool colour = false;
            image.ProcessPixelRows(rows =>
            {
                for (int y = 0; y < rows.Height && !colour; y++)
                {
                    foreach (var p in rows.GetRowSpan(y))
                    {
                        if (p.R != p.G || p.G != p.B)
                        {
                            colour = true;
                            break;
                        }
                    }
                }
            });
            return colour;
        }
        catch (Exception e) when (e is UnknownImageFormatException or InvalidImageContentException or NotSupportedException or IOException
            or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static bool DeclaresGray(IImageInfo info, SixLabors.ImageSharp.Formats.IImageFormat format) => format switch
    {
        SixLabors.ImageSharp.Formats.Png.PngFormat => info.Metadata.GetPngMetadata().ColorType
            is SixLabors.ImageSharp.Formats.Png.PngColorType.Grayscale or SixLabors.ImageSharp.Formats.Png.PngColorType.GrayscaleWithAlpha,
        JpegFormat => info.Metadata.GetJpegMetadata().ColorType is JpegColorType.Luminance,
        _ => false,
    };

    /// <summary>Whether every pixel of colour bytes (three planes) has red, green and blue alike.</summary>
    private static bool IsGray(byte[] planes)
    {
        int plane = planes.Length / 3;
        return planes.AsSpan(0, plane).SequenceEqual(planes.AsSpan(plane, plane)) && planes.AsSpan(0, plane).SequenceEqual(planes.AsSpan(2 * plane, plane));
    }

    /// <summary>One image as 28x28 gray bytes, or false and what is wrong with the file.</summary>
    public static bool Convert(string path, ImageFolderOptions options, out byte[] pixels, out string? problem) =>
        Convert(path, options, Models.ImageShape.Tutorial, out pixels, out problem, out _);

    /// <summary>One image as bytes of <paramref name="shape"/> (gray, or red, green and blue planes), or false and
    /// what is wrong with the file; <paramref name="animated"/> says when a GIF had more frames than the one read.</summary>
    public static bool Convert(string path, ImageFolderOptions options, Models.ImageShape shape, out byte[] pixels, out string? problem, out bool animated)
    {
        pixels = [];
        animated = false;
        try
        {
            // ImageSharp 2 identifies an unknown format as null rather than throwing.
            if (Image.Identify(path, out var format) is not { } info)
            {
                problem = $"is not an image that can be read (no {Formats} data in it)";
                return false;
            }
            if (info.Width == 0 || info.Height == 0)
            {
                problem = $"is an image of {info.Width}x{info.Height} pixels, which has nothing to read";
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
            pixels = shape.Channels == 1 ? ReadGray(path, jpeg, options, shape.Size, out animated) : ReadColour(path, jpeg, options, shape.Size, out animated);
            problem = null;
            return true;
        }
        catch (Exception e) when (e is UnknownImageFormatException or InvalidImageContentException or NotSupportedException or IOException
            or UnauthorizedAccessException or ImageProcessingException)
        {
            problem = $"is not an image that can be read ({e.Message.Split('\n')[0].TrimEnd('.')})";
            return false;
        }
    }

    /// <summary>Gray, as MNIST's digits: luma, inverted where asked, the rest of the square black.</summary>
    private static byte[] ReadGray(string path, byte[]? jpeg, ImageFolderOptions options, int side, out bool animated)
    {
        using var image = options.Background is { } background ? Composited(path, jpeg, background, out animated).CloneAs<L8>() : Load<L8>(path, jpeg, out animated);
        if (options.Invert == ImageInversion.Always || (options.Invert == ImageInversion.Auto && BorderIsLight(image)))
        {
            image.Mutate(x => x.Invert());
        }
        Resize(image, options.Fit, side, Color.Black);
        var pixels = new byte[side * side];
        image.CopyPixelDataTo(pixels);
        return pixels;
    }

    /// <summary>Colour: composited onto the background, which also fills the rest of the square; three planes.</summary>
    private static byte[] ReadColour(string path, byte[]? jpeg, ImageFolderOptions options, int side, out bool animated)
    {
        var background = options.Background ?? Background.White;
        using var image = Composited(path, jpeg, background, out animated);
        Resize(image, options.Fit, side, Color.FromRgb(background.R, background.G, background.B));
        var pixels = new byte[3 * side * side];
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < side; y++)
            {
                var row = rows.GetRowSpan(y);
                for (int x = 0; x < side; x++)
                {
                    pixels[y * side + x] = row[x].R;
                    pixels[(side + y) * side + x] = row[x].G;
                    pixels[(2 * side + y) * side + x] = row[x].B;
                }
            }
        });
        return pixels;
    }

    /// <summary>The image upright and opaque: each pixel blended over the background by its alpha.</summary>
    private static Image<Rgb24> Composited(string path, byte[]? jpeg, Background background, out bool animated)
    {
        using var rgba = Load<Rgba32>(path, jpeg, out animated);
        var opaque = new Image<Rgb24>(rgba.Width, rgba.Height);
        rgba.ProcessPixelRows(opaque, (source, target) =>
        {
            for (int y = 0; y < source.Height; y++)
            {
                var from = source.GetRowSpan(y);
                var to = target.GetRowSpan(y);
                for (int x = 0; x < from.Length; x++)
                {
                    var p = from[x];
                    to[x] = new Rgb24(Over(p.R, background.R, p.A), Over(p.G, background.G, p.A), Over(p.B, background.B, p.A));
                }
            }
        });
        return opaque;
    }

    /// <summary>Straight-alpha "over": c * a + b * (1 - a), a in [0, 255], rounded.</summary>
    private static byte Over(byte colour, byte background, byte alpha) => (byte)((colour * alpha + background * (255 - alpha) + 127) / 255);

    /// <summary>The first frame, upright as its EXIF orientation says.</summary>
    private static Image<TPixel> Load<TPixel>(string path, byte[]? jpeg, out bool animated) where TPixel : unmanaged, IPixel<TPixel>
    {
        var image = jpeg is null ? Image.Load<TPixel>(path) : Image.Load<TPixel>(jpeg);
        animated = image.Frames.Count > 1;
        while (image.Frames.Count > 1)
        {
            image.Frames.RemoveFrame(image.Frames.Count - 1);
        }
        image.Mutate(x => x.AutoOrient());
        return image;
    }

    private static void Resize<TPixel>(Image<TPixel> image, ImageFit fit, int side, Color pad) where TPixel : unmanaged, IPixel<TPixel> =>
        image.Mutate(x => x.Resize(new ResizeOptions
        {
            Size = new Size(side, side),
            Mode = fit == ImageFit.Fit ? ResizeMode.Pad : ResizeMode.Crop,
            PadColor = pad,
            Sampler = KnownResamplers.Bicubic,
        }));

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
