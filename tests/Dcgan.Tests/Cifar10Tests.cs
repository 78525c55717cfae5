using System.Diagnostics;
using Dcgan.Data;

namespace Dcgan.Tests;

/// <summary>CIFAR-10's binary format, on batch files this test writes byte by byte from the format's description
/// (a label byte, then the red, green and blue planes of 32 rows of 32), packed by the system's tar and gzip.</summary>
public class Cifar10Tests
{
    /// <summary>The pixel every test image has at (image, channel, row, column): distinct across all four.</summary>
    private static byte Pixel(int image, int channel, int row, int column) => (byte)((image * 7) + (channel * 50) + (row * 3) + column);

    /// <summary>Image numbers run on across the batches of a split; labels are (image * 3) % 10.</summary>
    private static void WriteBatch(string path, int first, int count)
    {
        using var file = File.Create(path);
        for (int image = first; image < first + count; image++)
        {
            file.WriteByte((byte)(image * 3 % 10));
            for (int channel = 0; channel < 3; channel++)
            {
                for (int row = 0; row < 32; row++)
                {
                    for (int column = 0; column < 32; column++)
                    {
                        file.WriteByte(Pixel(image, channel, row, column));
                    }
                }
            }
        }
    }

    /// <summary>The unpacked folder: five training batches of 2 images and a test batch of 3.</summary>
    private static string WriteFolder(TempFolder dir)
    {
        string batches = Path.Combine(dir.Path, "cifar-10-batches-bin");
        Directory.CreateDirectory(batches);
        for (int b = 1; b <= 5; b++)
        {
            WriteBatch(Path.Combine(batches, $"data_batch_{b}.bin"), (b - 1) * 2, 2);
        }
        WriteBatch(Path.Combine(batches, "test_batch.bin"), 100, 3);
        File.WriteAllText(Path.Combine(batches, "batches.meta.txt"), "airplane\nautomobile\n");
        return batches;
    }

    private static string WriteArchive(TempFolder dir)
    {
        WriteFolder(dir);
        string archive = dir.File("cifar-10-binary.tar.gz");
        using var tar = Process.Start("tar", ["-czf", archive, "-C", dir.Path, "cifar-10-batches-bin"]);
        tar.WaitForExit();
        Assert.Equal(0, tar.ExitCode);
        return archive;
    }

    private static void AssertIsTheFixture(LoadedData loaded, int firstImage, int count)
    {
        var images = loaded.Images;
        var pixels = images.CopyPixels();
        Assert.Equal((count, 32, 32, 3), (images.Count, images.Rows, images.Columns, images.Channels));
        for (int i = 0; i < count; i++)
        {
            Assert.Equal((byte)((firstImage + i) * 3 % 10), loaded.Images.Labels![i]);
            foreach (var (c, r, k) in new[] { (0, 0, 0), (1, 5, 7), (2, 31, 31), (0, 31, 0) })
            {
                Assert.Equal(Pixel(firstImage + i, c, r, k), pixels[(i * 3072) + (c * 1024) + (r * 32) + k]);
            }
        }
        Assert.Equal("automobile", loaded.Images.ClassNames![1]);
        Assert.Equal("truck", loaded.Images.ClassNames![9]);
    }

    [Fact]
    public void The_unpacked_folder_reads_both_splits_in_order_with_labels_and_class_names()
    {
        using var dir = new TempFolder();
        WriteFolder(dir);
        var request = new DataRequest { Dataset = "cifar10", Data = dir.Path };

        AssertIsTheFixture(DataSource.Load(request, Split.Train), 0, 10);
        AssertIsTheFixture(DataSource.Load(request, Split.Test), 100, 3);
    }

    [Fact]
    public void The_archive_reads_the_same_as_the_folder_and_is_called_unverified_when_it_is_not_the_published_one()
    {
        using var dir = new TempFolder();
        string archive = WriteArchive(dir);

        var train = DataSource.Load(new DataRequest { Dataset = "cifar10", Data = archive }, Split.Train);
        var test = DataSource.Load(new DataRequest { Data = archive }, Split.Test); // the archive names its dataset

        AssertIsTheFixture(train, 0, 10);
        AssertIsTheFixture(test, 100, 3);
        Assert.Equal(ChecksumStatus.Unknown, train.Origin.Checksum);
    }

    [Fact]
    public void A_bare_folder_of_batches_is_cifar_too_and_a_missing_batch_is_named()
    {
        using var dir = new TempFolder();
        string batches = WriteFolder(dir);
        AssertIsTheFixture(DataSource.Load(new DataRequest { Data = batches }, Split.Train), 0, 10);

        File.Delete(Path.Combine(batches, "data_batch_4.bin"));
        var e = Assert.Throws<InvalidDataException>(() => DataSource.Load(new DataRequest { Data = batches }, Split.Train));
        Assert.Contains("not data_batch_4.bin", e.Message);
    }

    [Fact]
    public void Damaged_batches_and_archives_are_refused_with_what_is_wrong()
    {
        using var dir = new TempFolder();
        string batches = WriteFolder(dir);
        string archive = WriteArchive(dir);
        byte[] whole = File.ReadAllBytes(archive);
        File.WriteAllBytes(archive, whole[..(whole.Length / 2)]);
        File.AppendAllText(Path.Combine(batches, "test_batch.bin"), "x");
        string label = Path.Combine(batches, "data_batch_1.bin");
        byte[] first = File.ReadAllBytes(label);
        first[3073] = 10; // the second record's label
        File.WriteAllBytes(label, first);

        var cut = Assert.Throws<InvalidDataException>(() => DataSource.Load(new DataRequest { Data = archive }, Split.Test));
        var length = Assert.Throws<InvalidDataException>(() => DataSource.Load(new DataRequest { Data = batches }, Split.Test));
        var badLabel = Assert.Throws<InvalidDataException>(() => DataSource.Load(new DataRequest { Data = batches }, Split.Train));

        Assert.Contains("is not a whole CIFAR-10 archive", cut.Message);
        Assert.Contains("its 9220 bytes are not whole records of 3073", length.Message);
        Assert.Contains("record 1 has label 10", badLabel.Message);
    }

    [Fact]
    public void Offline_without_a_copy_says_which_file_to_put_where_and_a_wrong_cached_archive_is_not_trusted()
    {
        using var cache = new TempFolder();
        var request = new DataRequest { Dataset = "cifar10", CacheFolder = cache.Path, Offline = true };
        Directory.CreateDirectory(Path.Combine(cache.Path, "cifar10"));
        File.WriteAllText(Path.Combine(cache.Path, "cifar10", "cifar-10-binary.tar.gz"), "not the archive");
        var log = new List<string>();

        var e = Assert.Throws<DownloadFailedException>(() => DataSource.Load(request, Split.Train, null, null, log.Add));

        Assert.Contains($"put cifar-10-binary.tar.gz (MD5 c32a1d4ab5d03f1284b67883e8d87530) in {Path.Combine(cache.Path, "cifar10")}/", e.Message);
        Assert.Contains("'dcgan data fetch' downloads it", e.Message);
        Assert.Contains(log, l => l.Contains("its MD5 is not the published", StringComparison.Ordinal));
    }

    [Fact]
    public void Data_info_describes_it_in_colour_with_named_classes()
    {
        using var dir = new TempFolder();
        WriteFolder(dir);

        var (exitCode, output, err) = DcganProcess.Run([], "data", "info", "--dataset", "cifar10", "--data", dir.Path);

        Assert.True(exitCode == 0, err);
        Assert.Contains("train: 10 images of 32x32 colour", output);
        Assert.Contains("test: 3 images of 32x32 colour", output);
        Assert.Contains("1 automobile:1", output);
    }
}
