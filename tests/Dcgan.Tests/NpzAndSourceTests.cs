using System.IO.Compression;
using System.Text;
using Dcgan.Data;

namespace Dcgan.Tests;

public class NpzAndSourceTests
{
    private static void WriteKerasStyle(string path, ImageSet train, byte[] trainLabels)
    {
        var test = Fixtures.Images(2);
        NpzFile.Write(path, new Dictionary<string, ByteArray>
        {
            ["x_train"] = new([train.Count, train.Rows, train.Columns], train.CopyPixels()),
            ["y_train"] = new([trainLabels.Length], trainLabels),
            ["x_test"] = new([2, 28, 28], test.CopyPixels()),
            ["y_test"] = new([2], [0, 1]),
        });
    }

    [Fact]
    public void Npz_round_trip()
    {
        using var dir = new TempFolder();
        var images = Fixtures.Images(3);
        WriteKerasStyle(dir.File("mnist.npz"), images, [4, 5, 6]);

        var read = NpzFile.ReadImages(dir.File("mnist.npz"), "x_train");
        var labels = NpzFile.Read(dir.File("mnist.npz"), "y_train");

        Assert.Equal((3, 28, 28), (read.Count, read.Rows, read.Columns));
        Assert.Equal(images.CopyPixels(), read.CopyPixels());
        Assert.Equal(new[] { 3 }, labels.Shape);
        Assert.Equal(new byte[] { 4, 5, 6 }, labels.Data);
    }

    private static string NpzWithRawEntry(TempFolder dir, byte[] npy)
    {
        string path = dir.File("bad.npz");
        using var file = File.Create(path);
        using var zip = new ZipArchive(file, ZipArchiveMode.Create);
        using var entry = zip.CreateEntry("x_train.npy").Open();
        entry.Write(npy);
        return path;
    }

    private static byte[] Npy(string header, int dataBytes)
    {
        var bytes = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 };
        bytes.AddRange(BitConverter.GetBytes((ushort)header.Length));
        bytes.AddRange(Encoding.ASCII.GetBytes(header));
        bytes.AddRange(new byte[dataBytes]);
        return [.. bytes];
    }

    [Theory]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 28, 28), }", 6272, "holds '<f4' values; only unsigned bytes")]
    [InlineData("{'descr': '|u1', 'fortran_order': True, 'shape': (2, 28, 28), }", 1568, "is stored in Fortran order")]
    [InlineData("{'descr': '|u1', 'fortran_order': False, }", 1568, "without a readable 'shape'")]
    [InlineData("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 28, 28), }", 1000, "is truncated: its header declares 1568 bytes but only 1000 follow")]
    [InlineData("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 784), }", 1568, "has shape (2, 784); images need 3 dimensions")]
    public void Malformed_npy_headers_give_clear_errors(string header, int dataBytes, string expected)
    {
        using var dir = new TempFolder();
        string path = NpzWithRawEntry(dir, Npy(header, dataBytes));

        var e = Assert.Throws<InvalidDataException>(() => NpzFile.ReadImages(path, "x_train"));

        Assert.StartsWith($"{path}:x_train ", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Not_a_zip_and_missing_array_give_clear_errors()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("text.npz"), "this is not a zip archive");
        string npy = NpzWithRawEntry(dir, Npy("{'descr': '|u1', 'fortran_order': False, 'shape': (1, 1, 1), }", 1));

        var notZip = Assert.Throws<InvalidDataException>(() => NpzFile.Read(dir.File("text.npz"), "x_train"));
        var missing = Assert.Throws<InvalidDataException>(() => NpzFile.Read(npy, "y_train"));
        File.WriteAllBytes(dir.File("raw.npz"), []);

        Assert.StartsWith($"{dir.File("text.npz")} is not a readable .npz (zip) file", notZip.Message);
        Assert.Equal($"{npy} has no array 'y_train' (it has x_train); a Keras mnist.npz holds x_train, y_train, x_test and y_test.", missing.Message);
    }

    [Fact]
    public void Data_folder_with_standard_names_raw_or_gzip()
    {
        using var dir = new TempFolder();
        IdxFile.WriteImages(dir.File("train-images-idx3-ubyte"), Fixtures.Images(3));      // raw
        IdxFile.WriteLabels(dir.File("train-labels-idx1-ubyte.gz"), [1, 2, 3]);           // gzip
        IdxFile.WriteImages(dir.File("t10k-images.idx3-ubyte"), Fixtures.Images(2));       // dotted variant

        var train = DataSource.Load(new DataRequest { Data = dir.Path }, Split.Train);
        var test = DataSource.Load(new DataRequest { Data = dir.Path }, Split.Test);

        Assert.Equal((3, DataKind.NamedData), (train.Images.Count, train.Origin.Kind));
        Assert.Equal(new byte[] { 1, 2, 3 }, train.Images.Labels);
        Assert.Equal(ChecksumStatus.Unknown, train.Origin.Checksum); // our fixture is not MNIST
        Assert.Equal(2, test.Images.Count);
        Assert.Null(test.Images.Labels);
    }

    [Fact]
    public void Npz_given_with_data_serves_both_splits()
    {
        using var dir = new TempFolder();
        WriteKerasStyle(dir.File("mnist.npz"), Fixtures.Images(3), [7, 8, 9]);

        var train = DataSource.Load(new DataRequest { Data = dir.File("mnist.npz") }, Split.Train);
        var test = DataSource.Load(new DataRequest { Data = dir.File("mnist.npz") }, Split.Test);

        Assert.Equal((3, 2), (train.Images.Count, test.Images.Count));
        Assert.Equal(new byte[] { 7, 8, 9 }, train.Images.Labels);
        Assert.Equal(ChecksumStatus.Mismatch, train.Origin.Checksum); // named mnist.npz, but not Keras's file
    }

    [Fact]
    public void Unverified_keras_cache_is_not_trusted_and_the_cache_is_preferred()
    {
        using var dir = new TempFolder();
        Directory.CreateDirectory(dir.File("keras"));
        WriteKerasStyle(Path.Combine(dir.File("keras"), "mnist.npz"), Fixtures.Images(3), [1, 2, 3]);
        var request = new DataRequest { CacheFolder = dir.File("cache"), KerasFolder = dir.File("keras"), Offline = true };
        var log = new List<string>();

        // The Keras file is not the published one, so it is ignored with a note, and offline there is nothing else.
        Assert.Throws<DownloadFailedException>(() => DataSource.Load(request, Split.Train, downloader: null, log: log.Add));
        Assert.Contains(log, l => l.Contains("SHA-256 differs from the published mnist.npz", StringComparison.Ordinal));
    }

    [Fact]
    public void Labels_without_images_and_unknown_dataset_are_refused()
    {
        Assert.Equal("a label file goes with an image file (the one they belong to).",
            Assert.Throws<ArgumentException>(() => DataSource.Load(new DataRequest { Labels = "l.gz" }, Split.Train)).Message);
        Assert.StartsWith("unknown dataset 'cifar'; choose one of: mnist, fashion-mnist",
            Assert.Throws<ArgumentException>(() => DataSource.Load(new DataRequest { Dataset = "cifar" }, Split.Train)).Message);
    }
}
