using Dcgan.Data;
using Dcgan.Export.Onnx;
using Dcgan.Training;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Dcgan.Tests;

/// <summary>A folder of the user's own images, made by each test: class names, conversion, refusals.</summary>
public class ImageFolderTests
{
    private static readonly ImageFolderOptions Plain = new() { Invert = ImageInversion.Never };

    /// <summary>An image of <paramref name="width"/> x <paramref name="height"/> in one color, written in the format
    /// its extension names.</summary>
    private static void Write(string path, int width, int height, Rgba32 color)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var image = new Image<Rgba32>(width, height, color);
        image.Save(path);
    }

    private static readonly Rgba32 Gray200 = new(200, 200, 200);

    [Fact]
    public void Classes_are_the_subfolders_sorted_by_code_point_and_each_file_is_labelled_by_its_folder()
    {
        using var dir = new TempFolder();
        // Python's sorted() puts digits before capitals before small letters, and "10" before "9".
        foreach (var (name, files) in new[] { ("b", 1), ("B", 2), ("a", 1), ("10", 3), ("9", 1) })
        {
            for (int i = 0; i < files; i++)
            {
                Write(dir.File($"{name}/{i}.png"), 28, 28, new Rgba32((byte)(10 * files), 0, 0));
            }
        }
        Write(dir.File("10/deeper/inside.bmp"), 28, 28, Gray200); // found below its class folder, as torchvision does
        File.WriteAllText(dir.File("a/notes.txt"), "not an image, and not read"); // other kinds of file are ignored

        var set = ImageFolder.Read(dir.Path, Plain);

        Assert.Equal(["10", "9", "B", "a", "b"], set.ClassNames);
        Assert.Equal(new byte[] { 0, 0, 0, 0, 1, 2, 2, 3, 4 }, set.Labels);
        Assert.Equal(9, set.Count);
    }

    [Fact]
    public void Images_are_fitted_or_cropped_to_28x28_by_luma_and_dark_on_light_ones_inverted()
    {
        using var dir = new TempFolder();
        Write(dir.File("wide.png"), 56, 28, Gray200);
        Write(dir.File("red.jpg"), 28, 28, new Rgba32(255, 0, 0));

        Assert.True(ImageFolder.Convert(dir.File("wide.png"), Plain, out var fitted, out _));
        Assert.True(ImageFolder.Convert(dir.File("wide.png"), Plain with { Fit = ImageFit.Crop }, out var cropped, out _));
        Assert.True(ImageFolder.Convert(dir.File("wide.png"), new ImageFolderOptions(), out var inverted, out _));
        Assert.True(ImageFolder.Convert(dir.File("red.jpg"), Plain, out var red, out _));

        // Fit: the 2:1 image becomes 28x14, centred, black above and below; crop: it fills the square.
        for (int y = 0; y < 28; y++)
        {
            byte expected = y is >= 7 and < 21 ? (byte)200 : (byte)0;
            Assert.All(fitted.AsSpan(y * 28, 28).ToArray(), p => Assert.Equal(expected, p));
        }
        Assert.All(cropped, p => Assert.Equal(200, p));
        // Light all over, so inverted: 255 - 200 inside, and the black padding added after.
        Assert.Equal(55, inverted[14 * 28 + 14]);
        Assert.Equal(0, inverted[0]);
        // ITU-R BT.709 luma of pure red: 0.2126 * 255 = 54.2 (JPEG's chroma rounding moves it by a level or two).
        Assert.InRange(red[14 * 28 + 14], 51, 57);
    }

    [Fact]
    public void A_folder_without_subfolders_is_one_unlabelled_class()
    {
        using var dir = new TempFolder();
        Write(dir.File("one.png"), 10, 10, Gray200);
        Write(dir.File("two.jpeg"), 30, 20, Gray200);

        var set = ImageFolder.Read(dir.Path, Plain);

        Assert.Equal(2, set.Count);
        Assert.Null(set.Labels);
        Assert.Null(set.ClassNames);
    }

    [Fact]
    public void A_bad_file_is_refused_naming_it_or_skipped_and_counted()
    {
        using var dir = new TempFolder();
        Write(dir.File("cats/good.png"), 28, 28, Gray200);
        Write(dir.File("dogs/good.png"), 28, 28, Gray200);
        File.WriteAllText(dir.File("dogs/broken.png"), "this is text, not a PNG");

        var refused = Assert.Throws<BadImageException>(() => ImageFolder.Read(dir.Path, Plain));
        var notes = new List<string>();
        var set = ImageFolder.Read(dir.Path, Plain with { SkipBadFiles = true }, notes.Add);

        Assert.StartsWith(dir.File("dogs/broken.png") + " is not an image that can be read", refused.Message);
        Assert.Equal((dir.File("dogs/broken.png"), "; remove it, or have bad images skipped."), (refused.Path, refused.Message[refused.Message.IndexOf(';', StringComparison.Ordinal)..]));
        Assert.Equal(2, set.Count);
        Assert.Equal(["note: skipped 1 unreadable file (the first: " + dir.File("dogs/broken.png") + ")."], notes);
    }

    [Fact]
    public void An_empty_class_folder_is_refused_naming_it()
    {
        using var dir = new TempFolder();
        Write(dir.File("cats/good.png"), 28, 28, Gray200);
        Directory.CreateDirectory(dir.File("dogs"));

        var e = Assert.Throws<InvalidDataException>(() => ImageFolder.Read(dir.Path, Plain));

        Assert.Equal($"{dir.File("dogs")} holds no PNG, JPEG, BMP, GIF or WebP image; remove the class folder or add images.", e.Message);
    }

    [Fact]
    public void A_run_on_class_folders_names_its_categories_in_the_checkpoint_generate_and_the_onnx_model()
    {
        using var dir = new TempFolder();
        string data = dir.File("pets"), run = dir.File("run");
        for (int i = 0; i < 16; i++)
        {
            foreach (var (pet, shade) in new[] { ("cat", 90), ("dog", 160), ("owl", 230) })
            {
                Write(Path.Combine(data, pet, $"{i:D2}.png"), 20 + i, 28, new Rgba32((byte)shade, (byte)shade, (byte)shade));
            }
        }

        var train = DcganProcess.Run([], "train", "--data", data, "--recipe", "conditional", "--epochs", "1", "--batch-size", "16",
            "--out", run, "--seed", "1", "--skip-self-check");
        var byName = DcganProcess.Run([], "generate", "--run", run, "--category", "owl", "--seed", "3", "--out", dir.File("owls.png"));
        var unknown = DcganProcess.Run([], "generate", "--run", run, "--category", "cow", "--out", dir.File("cows.png"));
        var export = DcganProcess.Run([], "export", "--run", run, "--format", "onnx", "--out", dir.File("exported"));

        Assert.True(train.ExitCode == 0, train.Err);
        Assert.Contains("48 images of 28x28 gray from " + data + ", 3 classes: cat, dog, owl", train.Out);
        // Each tile of the epoch's grid has its class written under it: a band of 16 pixels under each row of four.
        using (var grid = SkiaSharp.SKBitmap.Decode(Path.Combine(run, "image_at_epoch_0001.png")))
        {
            Assert.Equal(4 * (28 * 4 + 16) + 5 * 4, grid.Height);
        }
        var recipe = Checkpoint.ReadRecipe(Path.Combine(run, "checkpoints", "epoch-0001.ckpt"));
        Assert.Equal(3, recipe.CodeCategories);
        Assert.Equal(["cat", "dog", "owl"], recipe.CategoryNames);
        Assert.True(byName.ExitCode == 0, byName.Err);
        Assert.EndsWith("(seed 3, category 2 (owl)) to " + dir.File("owls.png"), byName.Out.TrimEnd());
        Assert.Equal((1, "dcgan: error: there is no category 'cow'; choose a number from 0 to 2 or one of: cat, dog, owl."),
            (unknown.ExitCode, unknown.Err.TrimEnd()));
        Assert.True(export.ExitCode == 0, export.Err);
        using var onnx = OnnxGenerator.Load(dir.File("exported/generator.onnx"));
        Assert.Equal(["cat", "dog", "owl"], onnx.Latent.Names);
        Assert.False(File.Exists(dir.File("cows.png")));
    }

    /// <summary>A link back up the tree is followed once, as torchvision follows links, but never into a folder already
    /// read: the folder's three files are read once each, and the skipped link is said in one line.</summary>
    [Fact]
    public void A_link_back_to_a_folder_already_read_is_skipped_and_said()
    {
        using var dir = new TempFolder();
        Write(dir.File("six/a.png"), 28, 28, Gray200);
        Write(dir.File("six/b.png"), 28, 28, Gray200);
        Write(dir.File("seven/c.png"), 28, 28, Gray200);
        Directory.CreateSymbolicLink(dir.File("six/loopdir"), dir.Path);
        var notes = new List<string>();

        var set = ImageFolder.Read(dir.Path, Plain, notes.Add);

        Assert.Equal(3, set.Count);
        Assert.Equal(["seven", "six"], set.ClassNames!);
        // Through the link, the root is new (class folders are read, not the root) and its two class folders are not.
        Assert.Equal(["note: skipped 2 folders already read, reached again through a link (the first: " + dir.File("six/loopdir/seven") + ")."], notes);
    }

    /// <summary>A JPEG cut short is refused as a truncated PNG is (or skipped when asked); the whole one is read.</summary>
    [Fact]
    public void A_truncated_jpeg_is_refused_or_skipped_and_a_whole_one_read()
    {
        using var dir = new TempFolder();
        byte[] jpeg = Fixtures.Photo();
        Directory.CreateDirectory(dir.File("cats"));
        File.WriteAllBytes(dir.File("cats/whole.jpg"), jpeg);
        File.WriteAllBytes(dir.File("cats/cut.jpg"), jpeg[..(jpeg.Length / 2)]); // in its scan: ImageSharp alone reads it
        Write(dir.File("dogs/whole.jpg"), 40, 30, Gray200);

        var refused = Assert.Throws<BadImageException>(() => ImageFolder.Read(dir.Path, Plain));
        var set = ImageFolder.Read(dir.Path, Plain with { SkipBadFiles = true });

        Assert.Equal((dir.File("cats/cut.jpg"), "is a truncated JPEG (its data ends before the image does)"), (refused.Path, refused.Problem));
        Assert.Equal(2, set.Count);
    }

    /// <summary>Category k is scored as real class k only where the names agree, in order.</summary>
    [Fact]
    public void Classification_accuracy_is_scored_only_where_category_and_class_names_agree()
    {
        string[] digits = [.. Enumerable.Range(0, 10).Select(k => $"{k}")];
        string[] words = ["eight", "five", "four", "nine", "one", "seven", "six", "three", "two", "zero"];

        Assert.Null(Evaluation.Comparison.NamesProblem(null, digits));        // categories without names: the labels
        Assert.Null(Evaluation.Comparison.NamesProblem(digits, digits));
        Assert.Equal("the generator's category 0 is eight, and the real images' class 0 is 0: they are scored only where the names agree, in order",
            Evaluation.Comparison.NamesProblem(words, digits));
        Assert.Equal("the generator has 3 categories and the real images 10 classes", Evaluation.Comparison.NamesProblem(["0", "1", "2"], digits));
    }
}

/// <summary>Colour folders (issue 35): each kind of image file decodes to the colours a person sees, on a known
/// background, at the size asked; what is done with gray and animated images is said.</summary>
public class ColourFolderTests
{
    private static readonly ImageFolderOptions Colour = new() { Channels = 3, Size = 16 };

    /// <summary>The red, green and blue of pixel (x, y) of a 16x16 colour image read as planes.</summary>
    private static (byte R, byte G, byte B) At(byte[] planes, int x, int y, int side = 16) =>
        (planes[y * side + x], planes[side * side + y * side + x], planes[2 * side * side + y * side + x]);

    private static byte[] Read(string path, ImageFolderOptions options)
    {
        Assert.True(ImageFolder.Convert(path, options, new Models.ImageShape(3, 16), out var pixels, out string? problem, out _), problem);
        return pixels;
    }

    [Fact]
    public void Transparency_is_composited_onto_the_background_by_alpha()
    {
        using var dir = new TempFolder();
        using (var image = new Image<Rgba32>(16, 16, new Rgba32(200, 100, 0, 0)))   // transparent: its colour must not show
        {
            for (int y = 0; y < 16; y++)
            {
                for (int x = 8; x < 16; x++)
                {
                    image[x, y] = new Rgba32(200, 100, 0, 128);                   // half transparent
                }
            }
            image.SaveAsPng(dir.File("a.png"));
        }

        var onWhite = Read(dir.File("a.png"), Colour);
        var onBlue = Read(dir.File("a.png"), Colour with { Background = Background.Parse("#0000ff") });

        // Far from the seam (bicubic blends only neighbours): the background itself, and c * a + b * (1 - a) by hand.
        Assert.Equal(((byte)255, (byte)255, (byte)255), At(onWhite, 2, 8));
        Assert.Equal(((byte)0, (byte)0, (byte)255), At(onBlue, 2, 8));
        Assert.Equal(((byte)227, (byte)177, (byte)127), At(onWhite, 13, 8)); // (200 * 128 + 255 * 127 + 127) / 255 = 227
        Assert.Equal(((byte)100, (byte)50, (byte)127), At(onBlue, 13, 8));
    }

    [Fact]
    public void Palette_16_bit_gray_with_alpha_and_exif_rotated_images_come_out_as_drawn()
    {
        using var dir = new TempFolder();
        using (var image = new Image<Rgba32>(16, 16, new Rgba32(0, 128, 255, 255)))
        {
            image.SaveAsPng(dir.File("palette.png"), new SixLabors.ImageSharp.Formats.Png.PngEncoder { ColorType = SixLabors.ImageSharp.Formats.Png.PngColorType.Palette });
            image.SaveAsPng(dir.File("deep.png"), new SixLabors.ImageSharp.Formats.Png.PngEncoder { BitDepth = SixLabors.ImageSharp.Formats.Png.PngBitDepth.Bit16 });
        }
        using (var gray = new Image<La16>(16, 16, new La16(100, 255)))
        {
            gray.SaveAsPng(dir.File("gray-alpha.png"), new SixLabors.ImageSharp.Formats.Png.PngEncoder { ColorType = SixLabors.ImageSharp.Formats.Png.PngColorType.GrayscaleWithAlpha });
        }
        // Stored lying on its side (the top row red), with EXIF orientation 6: "rotate 90 degrees clockwise to view".
        using (var sideways = new Image<Rgba32>(16, 16, new Rgba32(0, 0, 0, 255)))
        {
            for (int x = 0; x < 16; x++)
            {
                sideways[x, 0] = new Rgba32(255, 0, 0, 255);
            }
            sideways.Metadata.ExifProfile = new SixLabors.ImageSharp.Metadata.Profiles.Exif.ExifProfile();
            sideways.Metadata.ExifProfile.SetValue(SixLabors.ImageSharp.Metadata.Profiles.Exif.ExifTag.Orientation, (ushort)6);
            sideways.SaveAsPng(dir.File("sideways.png"));
        }

        Assert.Equal(((byte)0, (byte)128, (byte)255), At(Read(dir.File("palette.png"), Colour), 8, 8));
        Assert.Equal(((byte)0, (byte)128, (byte)255), At(Read(dir.File("deep.png"), Colour), 8, 8));
        Assert.Equal(((byte)100, (byte)100, (byte)100), At(Read(dir.File("gray-alpha.png"), Colour), 8, 8));
        var upright = Read(dir.File("sideways.png"), Colour);
        Assert.Equal(255, At(upright, 15, 8).R);  // the red top row, turned clockwise, is the right column
        Assert.Equal(0, At(upright, 8, 0).R);
    }

    [Fact]
    public void A_folder_with_colour_reads_at_64x64_in_colour_gray_images_in_it_are_said_and_a_gif_is_its_first_frame()
    {
        using var dir = new TempFolder();
        using (var colour = new Image<Rgba32>(20, 20, new Rgba32(255, 0, 0, 255)))
        {
            colour.SaveAsPng(dir.File("red.png"));
        }
        using (var gray = new Image<L8>(20, 20, new L8(90)))
        {
            gray.SaveAsPng(dir.File("gray.png"));
        }
        using (var gif = new Image<Rgba32>(20, 20, new Rgba32(0, 255, 0, 255)))
        {
            using var second = new Image<Rgba32>(20, 20, new Rgba32(0, 0, 255, 255));
            gif.Frames.AddFrame(second.Frames.RootFrame);
            gif.SaveAsGif(dir.File("moving.gif"));
        }
        var log = new List<string>();

        var set = ImageFolder.Read(dir.Path, new ImageFolderOptions(), log.Add);
        var gray16 = ImageFolder.Read(dir.Path, new ImageFolderOptions { Channels = 1, Size = 16 });

        Assert.Equal((3, 3, 64, 64), (set.Count, set.Channels, set.Rows, set.Columns));
        Assert.Equal(((byte)0, (byte)255, (byte)0), At(set.CopyPixels()[(3 * 64 * 64)..(6 * 64 * 64)], 32, 32, 64)); // moving.gif (sorted after gray.png), its first frame: green
        Assert.Equal([
            "note: reading the images in colour, at the DCGAN paper's 64x64: the folder holds colour images (moving.gif, the first).",
            "note: 1 of the 3 images are gray; they are read as colour images whose red, green and blue are equal.",
            "note: 1 animated GIF is read as its first frame."], log);
        Assert.Equal((1, 16), (gray16.Channels, gray16.Rows));
    }
}
