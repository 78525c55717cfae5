namespace Dcgan.Data;

/// <summary>Where the user asked the data to come from. With nothing set, the named <see cref="Dataset"/> is found
/// or downloaded as Keras's load_data() does.</summary>
public sealed record DataRequest
{
    /// <summary>One IDX image file (gzip or raw).</summary>
    public string? Images { get; init; }

    /// <summary>The IDX label file that belongs to <see cref="Images"/>.</summary>
    public string? Labels { get; init; }

    /// <summary>A folder with the standard IDX file names, or a Keras-style .npz, or a folder of images
    /// (<see cref="ImageFolder"/>).</summary>
    public string? Data { get; init; }

    /// <summary>The side the images are read at; null: the data's own (28 for MNIST), 64 for a folder of colour images.
    /// Images of another size are resized (bicubic).</summary>
    public int? ImageSize { get; init; }

    /// <summary>1 (gray) or 3 (colour); null: the data's own (colour when a folder holds any colour image).</summary>
    public int? Channels { get; init; }

    /// <summary>How a folder of images given as <see cref="Data"/> is read (its size and channels are the request's).</summary>
    public ImageFolderOptions Folder { get; init; } = new();

    /// <summary>A dataset's name, from <see cref="DatasetCatalog"/>.</summary>
    public string Dataset { get; init; } = DatasetCatalog.Mnist.Name;

    /// <summary>Download locations to use instead of the dataset's own, in order. A URL ending in .npz is
    /// a Keras-style archive; any other is a folder that holds the IDX .gz files.</summary>
    public IReadOnlyList<string> Mirrors { get; init; } = [];

    /// <summary>The cache folder: $DCGAN_DATA, else $XDG_CACHE_HOME/dcgan, else ~/.cache/dcgan.</summary>
    public string CacheFolder { get; init; } = DefaultCacheFolder();

    /// <summary>Where Keras keeps its downloads; an mnist.npz there is used rather than downloading again.</summary>
    public string KerasFolder { get; init; } =
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".keras", "datasets");

    /// <summary>Never download: report what is missing instead.</summary>
    public bool Offline { get; init; }

    /// <summary>Whether a system-wide copy (such as Debian's /usr/share/datasets) may be used.</summary>
    public bool UseSystemFolder { get; init; } = true;

    public static string DefaultCacheFolder()
    {
        if (Environment.GetEnvironmentVariable("DCGAN_DATA") is { Length: > 0 } explicitFolder)
        {
            return explicitFolder;
        }
        string xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } x
            ? x
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(xdg, "dcgan");
    }

    /// <summary>Mirrors from $DCGAN_MIRRORS (separated by spaces or commas), for air-gapped sites and tests.</summary>
    public static IReadOnlyList<string> MirrorsFromEnvironment() =>
        (Environment.GetEnvironmentVariable("DCGAN_MIRRORS") ?? "")
            .Split([' ', ',', ';', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
