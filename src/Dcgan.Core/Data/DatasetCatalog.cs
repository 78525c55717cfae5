namespace Dcgan.Data;

/// <summary>Which half of a dataset.</summary>
public enum Split
{
    Train,
    Test,
}

/// <summary>One file of a dataset with the checksums that identify it: <see cref="GzipMd5"/> of the .gz file as
/// published (what a download is checked against), and <see cref="ContentSha256"/> of the decompressed bytes where
/// known (what a recompressed copy, such as Debian's, is checked against).</summary>
internal sealed record DatasetFile(string Name, string? GzipMd5, string? ContentSha256);

/// <summary>A dataset in MNIST's IDX layout: its four files, where to download them, where a system may already
/// hold them, and an optional Keras-style .npz with all four arrays.</summary>
internal sealed record Dataset(
    string Name,
    DatasetFile TrainImages,
    DatasetFile TrainLabels,
    DatasetFile TestImages,
    DatasetFile TestLabels,
    IReadOnlyList<string> IdxMirrors,
    string? SystemFolder = null,
    string? NpzName = null,
    string? NpzSha256 = null,
    IReadOnlyList<string>? NpzMirrors = null)
{
    public DatasetFile Images(Split split) => split == Split.Train ? TrainImages : TestImages;

    public DatasetFile Labels(Split split) => split == Split.Train ? TrainLabels : TestLabels;

    public IEnumerable<DatasetFile> Files => [TrainImages, TrainLabels, TestImages, TestLabels];
}

/// <summary>The datasets this tool knows, with their published checksums.</summary>
internal static class DatasetCatalog
{
    /// <summary>MNIST. MD5s of the .gz files as torchvision pins them; SHA-256 of mnist.npz as Keras pins it;
    /// content SHA-256s of the decompressed files where they are known.</summary>
    public static readonly Dataset Mnist = new(
        "mnist",
        new("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873", null),
        new("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432", "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
        new("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3", "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
        new("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c", "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
        IdxMirrors: ["https://ossci-datasets.s3.amazonaws.com/mnist/"],
        NpzName: "mnist.npz",
        NpzSha256: "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
        NpzMirrors: ["https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"]);

    /// <summary>Fashion-MNIST. MD5s of the .gz files from its README; content SHA-256s as measured on the files of
    /// Debian's package dataset-fashion-mnist (0.0~git20200523.55506a9-1), which recompresses them.</summary>
    public static readonly Dataset FashionMnist = new(
        "fashion-mnist",
        new("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d", "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"),
        new("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe", "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"),
        new("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79", "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"),
        new("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310", "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"),
        IdxMirrors: ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
        SystemFolder: "/usr/share/datasets/fashion-mnist");

    public static IReadOnlyList<Dataset> All { get; } = [Mnist, FashionMnist];

    /// <summary>The names a request's dataset may have: the IDX datasets above, and CIFAR-10 (<see cref="Cifar10"/>, one archive).</summary>
    public static IReadOnlyList<string> Names { get; } = [.. All.Select(d => d.Name), Cifar10.Name];

    public static Dataset? Find(string name) =>
        All.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase));
}
