using System.IO.Compression;
using Dcgan.Data;

namespace Dcgan.Tests;

public class IdxFileTests
{
    [Theory]
    [InlineData("images.idx")]
    [InlineData("images.idx.gz")]
    public void Images_round_trip_raw_and_gzip(string name)
    {
        using var dir = new TempFolder();
        var images = Fixtures.Images(5);
        IdxFile.WriteImages(dir.File(name), images);

        var read = IdxFile.ReadImages(dir.File(name));

        Assert.Equal((5, 28, 28), (read.Count, read.Rows, read.Columns));
        Assert.Equal(images.CopyPixels(), read.CopyPixels());
    }

    [Fact]
    public void Gzip_is_recognised_by_content_not_by_name()
    {
        using var dir = new TempFolder();
        IdxFile.WriteImages(dir.File("a.gz"), Fixtures.Images(3));
        File.Move(dir.File("a.gz"), dir.File("no-extension"));

        Assert.Equal(3, IdxFile.ReadImages(dir.File("no-extension")).Count);
    }

    [Fact]
    public void Labels_round_trip_and_pair_with_images()
    {
        using var dir = new TempFolder();
        IdxFile.WriteImages(dir.File("i.gz"), Fixtures.Images(4));
        IdxFile.WriteLabels(dir.File("l.gz"), [7, 2, 1, 0]);

        var (images, labels) = IdxFile.ReadLabelled(dir.File("i.gz"), dir.File("l.gz"));

        Assert.Equal(4, images.Count);
        Assert.Equal(new byte[] { 7, 2, 1, 0 }, labels);
    }

    [Fact]
    public void Missing_file_is_named()
    {
        var e = Assert.Throws<InvalidDataException>(() => IdxFile.ReadImages("/nonexistent/train-images.gz"));
        Assert.Equal("/nonexistent/train-images.gz does not exist; check the path (IDX files such as train-images-idx3-ubyte.gz are expected).", e.Message);
    }

    [Fact]
    public void Text_file_is_not_an_idx_file()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("notes.txt"), "hello, these are not images");

        var e = Assert.Throws<InvalidDataException>(() => IdxFile.ReadImages(dir.File("notes.txt")));

        Assert.Equal($"{dir.File("notes.txt")} is not an IDX file (it starts with bytes 68656C6C, not 00000803); pass an IDX image file such as train-images-idx3-ubyte.gz.", e.Message);
    }

    [Fact]
    public void Label_file_given_as_images_has_the_wrong_dimensions()
    {
        using var dir = new TempFolder();
        IdxFile.WriteLabels(dir.File("labels.gz"), [1, 2, 3]);

        var e = Assert.Throws<InvalidDataException>(() => IdxFile.ReadImages(dir.File("labels.gz")));

        Assert.Contains("is an IDX file of 1 dimensions (magic 2049), not an IDX image file (magic 2051); pass an IDX image file", e.Message);
    }

    [Fact]
    public void Header_with_zero_sized_images_is_refused()
    {
        using var dir = new TempFolder();
        File.WriteAllBytes(dir.File("empty.idx"), [0, 0, 8, 3, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 28]);

        var e = Assert.Throws<InvalidDataException>(() => IdxFile.ReadImages(dir.File("empty.idx")));

        Assert.Contains("declares 5 images of 0x28", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Truncated_data_is_reported_with_the_counts(bool gzip)
    {
        using var dir = new TempFolder();
        string whole = dir.File("whole.idx");
        IdxFile.WriteImages(whole, Fixtures.Images(3));
        byte[] cut = File.ReadAllBytes(whole)[..(16 + 3 * 784 - 100)];
        string path = dir.File(gzip ? "cut.gz" : "cut.idx");
        if (gzip)
        {
            using var file = File.Create(path);
            using var zip = new GZipStream(file, CompressionLevel.Fastest);
            zip.Write(cut);
        }
        else
        {
            File.WriteAllBytes(path, cut);
        }

        var e = Assert.Throws<InvalidDataException>(() => IdxFile.ReadImages(path));

        Assert.Equal($"{path} is truncated: its header declares 2352 bytes of pixel data but only 2252 follow; download the file again.", e.Message);
    }

    [Fact]
    public void Truncated_gzip_stream_is_reported()
    {
        using var dir = new TempFolder();
        IdxFile.WriteImages(dir.File("a.gz"), Fixtures.Images(50));
        byte[] bytes = File.ReadAllBytes(dir.File("a.gz"));
        File.WriteAllBytes(dir.File("cut.gz"), bytes[..(bytes.Length / 2)]);

        var e = Assert.Throws<InvalidDataException>(() => IdxFile.ReadImages(dir.File("cut.gz")));

        Assert.StartsWith(dir.File("cut.gz"), e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void Empty_file_has_no_header()
    {
        using var dir = new TempFolder();
        File.WriteAllBytes(dir.File("empty"), []);

        var e = Assert.Throws<InvalidDataException>(() => IdxFile.ReadImages(dir.File("empty")));

        Assert.Contains("too short to be an IDX image file", e.Message);
    }

    [Fact]
    public void Image_and_label_counts_must_match()
    {
        using var dir = new TempFolder();
        IdxFile.WriteImages(dir.File("i.gz"), Fixtures.Images(4));
        IdxFile.WriteLabels(dir.File("l.gz"), [1, 2, 3]);

        var e = Assert.Throws<InvalidDataException>(() => IdxFile.ReadLabelled(dir.File("i.gz"), dir.File("l.gz")));

        Assert.Equal($"{dir.File("i.gz")} holds 4 images but {dir.File("l.gz")} holds 3 labels; pass the label file that belongs to these images.", e.Message);
    }

    [Fact]
    public void Tensor_is_scaled_to_minus_one_one_channels_first()
    {
        var images = new ImageSet([0, 255, 128, 64], 1, 2, 2);

        using var t = images.ToTensor();

        Assert.Equal(new long[] { 1, 1, 2, 2 }, t.shape);
        float[] v = t.data<float>().ToArray();
        Assert.Equal(-1f, v[0]);
        Assert.Equal(1f, v[1]);
        Assert.Equal((128 - 127.5f) / 127.5f, v[2], 6);
        Assert.Equal((64 - 127.5f) / 127.5f, v[3], 6);
    }
}
