using System.Globalization;
using System.Text.Json.Serialization;

namespace Dcgan.Data;

/// <summary>Data ready to use (its labels and class names, where it has them, are the images'), with where it came
/// from.</summary>
public sealed record LoadedData(ImageSet Images, DataOrigin Origin)
{
    /// <summary><paramref name="images"/> (with their labels, where they have them), found at <paramref name="path"/>;
    /// <paramref name="folder"/>: how a folder of images was read.</summary>
    internal static LoadedData Of(ImageSet images, DataKind kind, string path, ChecksumCheck check, ImageFolderOptions? folder = null) =>
        new(images, new DataOrigin(kind, path, check.Status, check.Detail) { Folder = folder });
}

/// <summary>What kind of place a run's images came from (in run.json, by these names).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DataKind>))]
public enum DataKind
{
    /// <summary>An IDX image file that was named (<see cref="DataRequest.Images"/>).</summary>
    [JsonStringEnumMemberName("image-file")]
    ImageFile,

    /// <summary>A folder (IDX files, or images) or a Keras-style .npz that was named (<see cref="DataRequest.Data"/>).</summary>
    [JsonStringEnumMemberName("named-data")]
    NamedData,

    /// <summary>A system-wide copy of a dataset (Debian's /usr/share/datasets).</summary>
    [JsonStringEnumMemberName("system-copy")]
    SystemCopy,

    /// <summary>This tool's cache (<see cref="DataRequest.CacheFolder"/>).</summary>
    [JsonStringEnumMemberName("cache")]
    Cache,

    /// <summary>Keras's cache (<see cref="DataRequest.KerasFolder"/>).</summary>
    [JsonStringEnumMemberName("keras-cache")]
    KerasCache,

    /// <summary>Downloaded now, into the cache.</summary>
    [JsonStringEnumMemberName("download")]
    Download,
}

/// <summary>Where a run's images came from: the kind of place, their file, and whether their checksum was verified
/// (<paramref name="ChecksumDetail"/> says against what, or why not).</summary>
public sealed record DataOrigin(DataKind Kind, string Path, ChecksumStatus Checksum, string ChecksumDetail)
{
    /// <summary>The checksum's status and detail in one phrase, as run.json and dcgan data print it.</summary>
    public string DescribeChecksum() => $"{Checksum.ToString().ToLowerInvariant()}: {ChecksumDetail}";

    /// <summary>How a folder of images was read, so that the same images can be read again (an evaluation of the run
    /// against its own data); null for other data.</summary>
    public ImageFolderOptions? Folder { get; init; }
}

/// <summary>
/// Finds the data a <see cref="DataRequest"/> names, in the order a user expects: files they name; else, for a
/// known dataset, a system copy, this tool's cache, Keras's cache, and finally a verified download into the cache.
/// </summary>
public static class DataSource
{
    /// <summary><see cref="Load(DataRequest, Split)"/> as a function: what the library calls to read (or download) the
    /// data a request names, unless given a function of its own (a command's, which shows a download's progress).</summary>
    public static readonly Func<DataRequest, Split, LoadedData> Loader = Load;

    /// <summary>The split of the data <paramref name="request"/> names (MNIST's, found or downloaded as Keras's
    /// load_data() does, when it names nothing else).</summary>
    public static LoadedData Load(DataRequest request, Split split) => Load(request, split, downloader: null);

    /// <summary>The same, with a download's progress, the decoding's of a folder being prepared
    /// (<see cref="PreparedFolder"/>), and a log of where the data was found; <paramref name="cancel"/> stops a download
    /// or a preparation between two files.</summary>
    public static LoadedData Load(DataRequest request, Split split, IProgress<DownloadProgress>? progress, Action<string>? log = null,
        IProgress<(int Done, int Total)>? preparing = null, CancellationToken cancel = default) =>
        Load(request, split, downloader: null, progress, log, preparing, cancel);

    /// <summary>The names of the datasets found or downloaded by name (<see cref="DataRequest.Dataset"/>).</summary>
    public static IReadOnlyList<string> Datasets => DatasetCatalog.Names;

    /// <summary>The dataset a request with nothing else named loads: MNIST, as the tutorial does.</summary>
    public static string DefaultDataset => DatasetCatalog.Mnist.Name;

    /// <summary>With a <paramref name="downloader"/> of a test's own.</summary>
    internal static LoadedData Load(DataRequest request, Split split, Downloader? downloader,
        IProgress<DownloadProgress>? progress = null, Action<string>? log = null, IProgress<(int Done, int Total)>? preparing = null,
        CancellationToken cancel = default)
    {
        var loaded = LoadAsStored(request, split, downloader, progress, log, preparing, cancel);
        return AtAskedShape(loaded, request);
    }

    /// <summary>The images at the shape the request asks for, where it asks for one (a folder's are read at it).</summary>
    private static LoadedData AtAskedShape(LoadedData loaded, DataRequest request)
    {
        var images = loaded.Images;
        if (request.ImageSize is null && request.Channels is null)
        {
            return loaded;
        }
        var shape = new Models.ImageShape(request.Channels ?? images.Channels, request.ImageSize ?? Math.Max(images.Rows, images.Columns));
        if (images.Shape == shape)
        {
            return loaded;
        }
        if (shape.Problem() is { } problem)
        {
            throw new ArgumentException(problem);
        }
        return loaded with { Images = ImageResize.To(images, shape) };
    }

    private static LoadedData LoadAsStored(DataRequest request, Split split, Downloader? downloader,
        IProgress<DownloadProgress>? progress, Action<string>? log, IProgress<(int Done, int Total)>? preparing, CancellationToken cancel)
    {
        if (request.Images is not null)
        {
            var images = request.Labels is null ? IdxFile.ReadImages(request.Images) : IdxFile.ReadLabelled(request.Images, request.Labels).Images;
            return LoadedData.Of(images, DataKind.ImageFile, request.Images, Unverified());
        }
        if (request.Labels is not null)
        {
            throw new ArgumentException("a label file goes with an image file (the one they belong to).");
        }
        if (string.Equals(request.Dataset, Cifar10.Name, StringComparison.OrdinalIgnoreCase))
        {
            return LoadCifar10(request, split, downloader, progress, log, cancel);
        }
        var dataset = DatasetCatalog.Find(request.Dataset)
            ?? throw new ArgumentException($"unknown dataset '{request.Dataset}'; choose one of: {string.Join(", ", DatasetCatalog.Names)}.");
        return Load(dataset, request, split, downloader, progress, log, preparing, cancel);
    }

    /// <summary>As above, for a dataset given in full (tests use their own, with their own checksums).</summary>
    internal static LoadedData Load(Dataset dataset, DataRequest request, Split split, Downloader? downloader = null,
        IProgress<DownloadProgress>? progress = null, Action<string>? log = null, IProgress<(int Done, int Total)>? preparing = null,
        CancellationToken cancel = default)
    {
        if (request.Data is not null)
        {
            var folder = new PreparedFolderRequest(request.Folder with { Size = request.ImageSize, Channels = request.Channels }, request.CacheFolder,
                preparing, cancel);
            return FromUserCopy(request.Data, dataset, split, folder, log);
        }
        if (File.Exists(request.CacheFolder))
        {
            bool fromEnvironment = Environment.GetEnvironmentVariable("DCGAN_DATA") == request.CacheFolder;
            throw new IOException($"the data cache {request.CacheFolder} is a file, not a folder; " +
                (fromEnvironment ? "set DCGAN_DATA to a folder (or unset it for the default)." : "name a folder for the cache."));
        }
        return FromKnownPlaces(dataset, request, split, log)
               ?? Download(dataset, request, split, downloader, progress, log, cancel);
    }

    private static ChecksumCheck Unverified() => new(ChecksumStatus.Unknown, "a file you named; not checked against a published checksum");

    /// <summary>How a folder of the user's images is read: its options, and where and how its prepared copy is made.</summary>
    private sealed record PreparedFolderRequest(ImageFolderOptions Options, string CacheFolder, IProgress<(int Done, int Total)>? Progress,
        CancellationToken Cancel);

    private static LoadedData FromUserCopy(string data, Dataset dataset, Split split, PreparedFolderRequest folder, Action<string>? log)
    {
        if (File.Exists(data) && data.EndsWith(".npz", StringComparison.OrdinalIgnoreCase))
        {
            return FromNpz(data, split, DataKind.NamedData, CheckNpz(data, dataset));
        }
        if (File.Exists(data) && Cifar10.IsArchive(data))
        {
            return FromCifar10Copy(data, split)!;
        }
        if (!Directory.Exists(data))
        {
            throw new InvalidDataException($"{data} is neither a folder nor a .npz file; give a folder with the IDX files ({dataset.Images(split).Name}, ...) or a Keras-style mnist.npz.");
        }
        return FromFolder(data, dataset, split, DataKind.NamedData)
            ?? FromCifar10Copy(data, split)
            ?? FromImageFolder(data, split, folder, log)
            ?? throw new InvalidDataException($"{data} holds no {dataset.Images(split).Name} (nor its uncompressed form), nor images; put the IDX files there, or images in one subfolder per class, or name the image file itself.");
    }

    /// <summary>Whether the data <paramref name="request"/> names has a test split of its own: all data but a folder of
    /// the user's own images (<see cref="ImageFolder"/>), whose images are all for training.</summary>
    public static bool HasTestSplit(DataRequest request) =>
        !(request.Images is null && request.Data is { } data && Directory.Exists(data)
          && Locate(data, (DatasetCatalog.Find(request.Dataset) ?? DatasetCatalog.Mnist).TrainImages.Name) is null
          && Cifar10.BatchFolder(data) is null && ImageFolder.Holds(data));

    /// <summary>A folder of the user's own images (<see cref="ImageFolder"/>), when it holds any: training images only,
    /// read from its prepared copy (<see cref="PreparedFolder"/>), prepared first where there is none.</summary>
    private static LoadedData? FromImageFolder(string data, Split split, PreparedFolderRequest folder, Action<string>? log)
    {
        if (!ImageFolder.Holds(data))
        {
            return null;
        }
        if (split != Split.Train)
        {
            throw new InvalidDataException($"{data} is a folder of your own images, which has no test split; evaluations need real held-out images of the same shape, given as an IDX file of reference images.");
        }
        var images = PreparedFolder.Open(data, folder.Options, folder.CacheFolder, log, folder.Progress, folder.Cancel);
        return LoadedData.Of(images, DataKind.NamedData, data, new(ChecksumStatus.Unknown, "a folder of your own images"), folder.Options with { Threads = null });
    }

    private static LoadedData? FromKnownPlaces(Dataset dataset, DataRequest request, Split split, Action<string>? log)
    {
        var places = new List<(string Folder, DataKind Label)>();
        if (request.UseSystemFolder && dataset.SystemFolder is { } system)
        {
            places.Add((system, DataKind.SystemCopy));
        }
        places.Add((CacheOf(request, dataset), DataKind.Cache));
        foreach (var (folder, label) in places)
        {
            if (FromFolder(folder, dataset, split, label) is { } found)
            {
                if (found.Origin.Checksum != ChecksumStatus.Mismatch)
                {
                    return found;
                }
                log?.Invoke($"Ignoring {found.Origin.Path}: {found.Origin.ChecksumDetail}.");
            }
        }
        if (dataset.NpzName is { } npzName)
        {
            foreach (var (folder, label) in new[] { (CacheOf(request, dataset), DataKind.Cache), (request.KerasFolder, DataKind.KerasCache) })
            {
                string npz = Path.Combine(folder, npzName);
                if (File.Exists(npz))
                {
                    var check = CheckNpz(npz, dataset);
                    if (check.Status == ChecksumStatus.Verified)
                    {
                        return FromNpz(npz, split, label, check);
                    }
                    log?.Invoke($"Ignoring {npz}: {check.Detail}.");
                }
            }
        }
        return null;
    }

    /// <summary>The IDX files of <paramref name="split"/> in a folder, gzip or raw, under their standard names.</summary>
    private static LoadedData? FromFolder(string folder, Dataset dataset, Split split, DataKind source)
    {
        string? images = Locate(folder, dataset.Images(split).Name);
        if (images is null)
        {
            return null;
        }
        string? labels = Locate(folder, dataset.Labels(split).Name);
        var set = labels is null ? IdxFile.ReadImages(images) : IdxFile.ReadLabelled(images, labels).Images;
        return LoadedData.Of(set, source, images, Checksums.Check(images, dataset.Images(split)));
    }

    private static string? Locate(string folder, string gzName)
    {
        string raw = gzName[..^3];
        // The standard name, its uncompressed form, and the dotted variant some copies use (train-images.idx3-ubyte).
        string[] candidates = [gzName, raw, raw.Replace("-idx", ".idx", StringComparison.Ordinal)];
        return candidates.Select(c => Path.Combine(folder, c)).FirstOrDefault(File.Exists);
    }

    private static ChecksumCheck CheckNpz(string path, Dataset dataset) =>
        dataset.NpzSha256 is not { } sha ? new(ChecksumStatus.Unknown, "no published checksum")
        : Checksums.Sha256(path) == sha ? new(ChecksumStatus.Verified, "SHA-256 of the published .npz matches")
        : new(ChecksumStatus.Mismatch, "SHA-256 differs from the published mnist.npz");

    private static LoadedData FromNpz(string path, Split split, DataKind source, ChecksumCheck check)
    {
        string suffix = split == Split.Train ? "train" : "test";
        var images = NpzFile.ReadImages(path, "x_" + suffix);
        var labels = NpzFile.Read(path, "y_" + suffix).Data;
        if (labels.Length != images.Count)
        {
            throw new InvalidDataException($"{path} holds {images.Count} x_{suffix} images but {labels.Length} y_{suffix} labels; the archive is damaged.");
        }
        return LoadedData.Of(images.WithLabels(labels), source, $"{path}:x_{suffix}", check);
    }

    internal static string CacheOf(DataRequest request, Dataset dataset) => CacheOf(request, dataset.Name);

    /// <summary>The cache folder of the dataset named <paramref name="name"/>, where it is downloaded.</summary>
    public static string CacheOf(DataRequest request, string name) => Path.Combine(request.CacheFolder, name);

    /// <summary>The mirrors to try: the request's, else the environment's, else the dataset's own.</summary>
    internal static (IReadOnlyList<string> Idx, IReadOnlyList<string> Npz) MirrorsFor(DataRequest request, Dataset dataset) =>
        MirrorsFor(request, dataset.IdxMirrors, dataset.NpzMirrors ?? []);

    /// <summary>As above, given the dataset's own mirrors for its files and for its .npz.</summary>
    private static (IReadOnlyList<string> Files, IReadOnlyList<string> Npz) MirrorsFor(DataRequest request,
        IReadOnlyList<string> files, IReadOnlyList<string> npz)
    {
        var chosen = request.Mirrors.Count > 0 ? request.Mirrors : DataRequest.MirrorsFromEnvironment();
        if (chosen.Count == 0)
        {
            return (files, npz);
        }
        bool IsNpz(string m) => m.EndsWith(".npz", StringComparison.OrdinalIgnoreCase);
        return (chosen.Where(m => !IsNpz(m)).ToList(), chosen.Where(IsNpz).ToList());
    }

    /// <summary>Downloads the split's IDX files into the cache (or, failing that, the .npz), verified.</summary>
    private static LoadedData Download(Dataset dataset, DataRequest request, Split split, Downloader? downloader,
        IProgress<DownloadProgress>? progress, Action<string>? log, CancellationToken cancel)
    {
        if (request.Offline)
        {
            throw new DownloadFailedException(OfflineAdvice(dataset, request, split, [$"{dataset.Name} ({split.ToString().ToLowerInvariant()}) is not on this machine yet; 'dcgan data fetch' downloads it."]));
        }
        string cache = CacheOf(request, dataset);
        var (idxMirrors, npzMirrors) = MirrorsFor(request, dataset);
        var failures = new List<string>();
        return WithDownloader(downloader, d =>
        {
            var fetch = new Fetch(d, cache, progress, log, cancel);
            return (idxMirrors.Count > 0 ? TryDownload(() => DownloadIdx(fetch, dataset, split, idxMirrors), failures) : null)
                ?? (npzMirrors.Count > 0 ? TryDownload(() => DownloadNpz(fetch, dataset, split, npzMirrors), failures) : null)
                ?? throw new DownloadFailedException(OfflineAdvice(dataset, request, split, failures));
        });
    }

    /// <summary>Where and how one download goes.</summary>
    private sealed record Fetch(Downloader Downloader, string Cache, IProgress<DownloadProgress>? Progress, Action<string>? Log,
        CancellationToken Cancel);

    /// <summary>The data a download brought, or null with its failure noted.</summary>
    private static LoadedData? TryDownload(Func<LoadedData?> download, List<string> failures)
    {
        try
        {
            return download();
        }
        catch (DownloadFailedException e)
        {
            failures.Add(e.Message);
            return null;
        }
    }

    private static LoadedData DownloadIdx(Fetch fetch, Dataset dataset, Split split, IReadOnlyList<string> mirrors)
    {
        foreach (var file in new[] { dataset.Images(split), dataset.Labels(split) })
        {
            fetch.Log?.Invoke($"Downloading {file.Name} into {fetch.Cache}");
            fetch.Downloader.FetchAsync(file.Name, UrlsOf(mirrors, file.Name),
                file.GzipMd5, null, fetch.Cache, fetch.Progress, fetch.Cancel).GetAwaiter().GetResult();
        }
        return FromFolder(fetch.Cache, dataset, split, DataKind.Download)!;
    }

    /// <summary>Keras's archive, for a dataset that has one (null otherwise).</summary>
    private static LoadedData? DownloadNpz(Fetch fetch, Dataset dataset, Split split, IReadOnlyList<string> mirrors)
    {
        if (dataset.NpzName is not { } npzName || dataset.NpzSha256 is not { } npzSha)
        {
            return null;
        }
        fetch.Log?.Invoke($"Downloading {npzName} into {fetch.Cache}");
        string npz = fetch.Downloader.FetchAsync(npzName, [.. mirrors.Select(m => new Uri(m))], null, npzSha, fetch.Cache, fetch.Progress, fetch.Cancel)
            .GetAwaiter().GetResult();
        return FromNpz(npz, split, DataKind.Download, new(ChecksumStatus.Verified, "SHA-256 of the published .npz matches"));
    }

    /// <summary>CIFAR-10: a copy the user names; else the archive in the cache, when its MD5 is the published one;
    /// else the archive downloaded into the cache, verified.</summary>
    private static LoadedData LoadCifar10(DataRequest request, Split split, Downloader? downloader,
        IProgress<DownloadProgress>? progress, Action<string>? log, CancellationToken cancel)
    {
        if (request.Data is { } data)
        {
            return FromCifar10Copy(data, split)
                ?? throw new InvalidDataException($"{data} holds neither CIFAR-10's batch files ({Cifar10.Folder}/data_batch_1.bin, ...) nor its archive; name the folder the archive unpacks to, or the archive {Cifar10.Archive.Name} itself.");
        }
        string cache = CacheOf(request, Cifar10.Name);
        string archive = Path.Combine(cache, Cifar10.Archive.Name);
        if (File.Exists(archive))
        {
            if (Checksums.Md5(archive) == Cifar10.Archive.GzipMd5)
            {
                return FromCifar10Archive(archive, split, DataKind.Cache);
            }
            log?.Invoke($"Ignoring {archive}: its MD5 is not the published {Cifar10.Archive.GzipMd5}.");
        }
        var (mirrors, _) = MirrorsFor(request, Cifar10.Mirrors, []);
        if (request.Offline || mirrors.Count == 0)
        {
            throw new DownloadFailedException(Cifar10Advice(request, split, []));
        }
        try
        {
            return WithDownloader(downloader, d =>
            {
                log?.Invoke($"Downloading {Cifar10.Archive.Name} into {cache}");
                d.FetchAsync(Cifar10.Archive.Name, UrlsOf(mirrors, Cifar10.Archive.Name), Cifar10.Archive.GzipMd5, null, cache, progress, cancel)
                    .GetAwaiter().GetResult();
                return FromCifar10Archive(archive, split, DataKind.Download);
            });
        }
        catch (DownloadFailedException e)
        {
            throw new DownloadFailedException(Cifar10Advice(request, split, [e.Message]));
        }
    }

    /// <summary>What <paramref name="download"/> returns, given <paramref name="downloader"/>, or a new one that is
    /// disposed afterwards.</summary>
    private static T WithDownloader<T>(Downloader? downloader, Func<Downloader, T> download)
    {
        if (downloader is not null)
        {
            return download(downloader);
        }
        using var own = new Downloader();
        return download(own);
    }

    /// <summary>The file's address under each mirror (a folder URL, with or without its final slash).</summary>
    private static Uri[] UrlsOf(IEnumerable<string> mirrors, string fileName) =>
        [.. mirrors.Select(m => new Uri(new Uri(WithSlash(m)), fileName))];

    /// <summary>CIFAR-10 from a path the user named: its archive, or a folder of its batch files (null when neither).</summary>
    private static LoadedData? FromCifar10Copy(string data, Split split)
    {
        if (File.Exists(data) && Cifar10.IsArchive(data))
        {
            return FromCifar10Archive(data, split, DataKind.NamedData);
        }
        if (Directory.Exists(data) && Cifar10.BatchFolder(data) is { } folder)
        {
            var images = Cifar10.ReadFolder(folder, split);
            return LoadedData.Of(images, DataKind.NamedData, folder, Unverified());
        }
        return null;
    }

    private static LoadedData FromCifar10Archive(string archive, Split split, DataKind kind)
    {
        var images = Cifar10.ReadArchive(archive, split);
        var check = kind == DataKind.NamedData && Checksums.Md5(archive) != Cifar10.Archive.GzipMd5
            ? new ChecksumCheck(ChecksumStatus.Unknown, "an archive you named, not the published one (its MD5 differs)")
            : new ChecksumCheck(ChecksumStatus.Verified, "MD5 of the published archive matches");
        return LoadedData.Of(images, kind, archive, check);
    }

    private static string Cifar10Advice(DataRequest request, Split split, IReadOnlyList<string> failures) => string.Join(Environment.NewLine,
    [
        failures.Count == 0
            ? $"{Cifar10.Name} ({split.ToString().ToLowerInvariant()}) is not on this machine yet; 'dcgan data fetch' downloads it."
            : string.Join(Environment.NewLine + "  ", failures),
        "",
        "Without network, give the tool a local copy of CIFAR-10 in one of these ways:",
        $"  - put {Cifar10.Archive.Name} (MD5 {Cifar10.Archive.GzipMd5}) in {CacheOf(request, Cifar10.Name)}/",
        $"  - or name it as the data: the archive, or the folder {Cifar10.Folder} it unpacks to",
        "A mirror of your own can be named too (DCGAN_MIRRORS).",
    ]);

    private static string WithSlash(string url) => url.EndsWith('/') ? url : url + "/";

    private static string OfflineAdvice(Dataset dataset, DataRequest request, Split split, List<string> failures)
    {
        var file = dataset.Images(split);
        string cache = CacheOf(request, dataset);
        var lines = new List<string>
        {
            failures.Count == 0 ? $"no mirror is configured for {dataset.Name}." : string.Join(Environment.NewLine + "  ", failures),
            "",
            $"Without network, give the tool a local copy of {dataset.Name} in one of these ways:",
            string.Create(CultureInfo.InvariantCulture, $"  - put {file.Name} (MD5 {file.GzipMd5}) and {dataset.Labels(split).Name} in {cache}/"),
        };
        if (dataset.NpzName is { } npz)
        {
            lines.Add($"  - put Keras's {npz} in {request.KerasFolder}/ or {cache}/");
        }
        lines.Add($"  - or name it: the image file {file.Name}, a folder of the IDX files{(dataset.NpzName is null ? "" : $", or {dataset.NpzName}")}");
        lines.Add("A mirror of your own can be named too (DCGAN_MIRRORS).");
        return string.Join(Environment.NewLine, lines);
    }
}
