using Dcgan.Data;
using Dcgan.Training;

namespace Dcgan.Tests;

/// <summary>What a tired or hostile user types, command by command: options at their edges (0, negative, huge, not a
/// number), wrong kinds of file, wrong shapes, outputs that cannot be written or that are the command's own inputs.
/// Each must end non-zero in at most three lines, with no stack trace and no "unexpected error", under 1.5 GB, and
/// leave no file behind.</summary>
public class BadInputTests(BadInputTests.Files files) : IClassFixture<BadInputTests.Files>
{
    /// <summary>What the cases point at, made once: a tiny run and evaluator, files of the wrong kind and shape.</summary>
    public sealed class Files : IDisposable
    {
        private readonly TempFolder root = new();

        public Files()
        {
            Directory.CreateDirectory(Work);
            var images = Fixtures.Images(48);
            IdxFile.WriteImages(Path("data.idx"), images);
            IdxFile.WriteLabels(Path("labels.idx"), [.. Enumerable.Range(0, 48).Select(i => (byte)(i % 10))]);
            IdxFile.WriteImages(Path("img32.idx"), Fixtures.Images(48, 32, 32));
            IdxFile.WriteImages(Path("img14.idx"), Fixtures.Images(48, 14, 14));
            IdxFile.WriteImages(Path("one.idx"), Fixtures.Images(1));
            File.WriteAllText(Path("text.txt"), "not images at all");
            File.WriteAllText(Path("text.json"), "not a recipe");
            Directory.CreateDirectory(Path("folder"));
            MakeImageFolders();
            string tutorial = Recipe.Tutorial.ToJson(indented: true).Replace("\"name\": \"tutorial\"", "\"name\": \"mine\"");
            File.WriteAllText(Path("dup.json"), tutorial.Replace("\"batch_size\": 256,", "\"batch_size\": 256, \"batch_size\": 64,"));
            File.WriteAllText(Path("huge.json"), tutorial.Replace("\"batch_size\": 256,", "\"batch_size\": 1000000000,"));
            using (var fifo = System.Diagnostics.Process.Start("mkfifo", [Path("fifo")]))
            {
                fifo.WaitForExit();
            }
            Must(DcganProcess.Run(Environment, "train", "--images", Path("data.idx"), "--epochs", "1", "--batch-size", "16", "--out", Path("run"), "--skip-self-check"));
            Must(DcganProcess.Run(Environment, "evaluator", "train", "--images", Path("data.idx"), "--labels", Path("labels.idx"),
                "--test-images", Path("data.idx"), "--test-labels", Path("labels.idx"), "--epochs", "1", "--out", Path("judge.evaluator")));
            byte[] judge = File.ReadAllBytes(Path("judge.evaluator"));
            File.WriteAllBytes(Path("half.evaluator"), judge[..(judge.Length / 2)]);
            judge[judge.Length / 2] ^= 1;
            File.WriteAllBytes(Path("flipped.evaluator"), judge);
            IdxFile.WriteLabels(Path("labels200.idx"), [.. Enumerable.Range(0, 48).Select(i => (byte)(i == 5 ? 200 : i % 10))]);
            Must(DcganProcess.Run(Environment, "train", "--images", Path("data.idx"), "--labels", Path("labels.idx"), "--recipe", "conditional",
                "--epochs", "1", "--batch-size", "16", "--out", Path("condrun"), "--skip-self-check"));
        }

        /// <summary>Folders of images: without classes (pics), with one class (onepic), with a broken file (badpics).</summary>
        private void MakeImageFolders()
        {
            foreach (string file in new[] { "pics/a.png", "pics/b.png", "onepic/cats/a.png", "badpics/cats/a.png", "badpics/dogs/a.png",
                "fewpics/cats/a.png", "fewpics/cats/b.png", "fewpics/cats/c.png", "fewpics/cats/d.png",
                "fewpics/dogs/a.png", "fewpics/dogs/b.png", "fewpics/dogs/c.png", "fewpics/dogs/d.png" })
            {
                Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path(file))!);
                using var image = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.L8>(30, 20);
                SixLabors.ImageSharp.ImageExtensions.SaveAsPng(image, Path(file));
            }
            File.WriteAllText(Path("badpics/dogs/broken.png"), "not a PNG");
            // A JPEG cut at half its length (ImageSharp decodes it without a word; PIL calls it truncated).
            Directory.CreateDirectory(Path("cutjpeg/cats"));
            byte[] photo = Fixtures.Photo();
            File.WriteAllBytes(Path("cutjpeg/cats/a.jpg"), photo[..(photo.Length / 2)]);
            // Colour trouble (issue 35): a PNG whose header says 0 pixels wide, one that says 100,000 x 100,000.
            Directory.CreateDirectory(Path("zeropng/cats"));
            File.WriteAllBytes(Path("zeropng/cats/a.png"), PngHeader(0, 5));
            Directory.CreateDirectory(Path("hugepng/cats"));
            File.WriteAllBytes(Path("hugepng/cats/a.png"), PngHeader(100_000, 100_000));
            // A file that is a link to itself.
            Directory.CreateDirectory(Path("selflink/six"));
            File.CreateSymbolicLink(Path("selflink/six/x.png"), Path("selflink/six/x.png"));
        }

        /// <summary>A PNG's signature and header (IHDR, RGB, 8 bits) declaring <paramref name="width"/> x
        /// <paramref name="height"/>, with a right CRC, and no pixels after it.</summary>
        private static byte[] PngHeader(int width, int height)
        {
            var header = new byte[17];
            "IHDR"u8.CopyTo(header);
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), width);
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(8), height);
            (header[12], header[13]) = (8, 2);
            var crc = new byte[4];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(header));
            return [0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10, 0, 0, 0, 13, .. header, .. crc, 0, 0, 0, 0, .. "IEND"u8, 0xAE, 0x42, 0x60, 0x82];
        }

        /// <summary>PNG's CRC-32 (ISO 3309, reflected, polynomial 0xEDB88320), bit by bit: for the one header here,
        /// which no image library writes (a package for eight lines of a test fixture is not worth it).</summary>
        private static uint Crc32(ReadOnlySpan<byte> bytes)
        {
            uint crc = 0xFFFFFFFF;
            foreach (byte b in bytes)
            {
                crc ^= b;
                for (int k = 0; k < 8; k++)
                {
                    crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
                }
            }
            return ~crc;
        }

        private static void Must((int ExitCode, string Out, string Err) result) => Assert.True(result.ExitCode == 0, result.Err);

        /// <summary>Where each case runs: an empty folder, nothing cached, no network to download from.</summary>
        public string Work => Path("work");

        public Dictionary<string, string> Environment => new()
        {
            ["HOME"] = Path("home"),
            ["DCGAN_DATA"] = Path("cache"),
            ["XDG_CACHE_HOME"] = Path("xdg"),
            ["DCGAN_MIRRORS"] = "http://127.0.0.1:9/mnist/",
        };

        public string Path(string name) => root.File(name);

        /// <summary>Every file below the root, with its size and time, to see that a case wrote nothing. The data
        /// cache's prepared copies (and the folders that hold them) are not counted: a folder read before a later
        /// refusal is kept decoded, as a cache is, for the corrected command to start at once.</summary>
        public Dictionary<string, (long, DateTime)> Snapshot() =>
            Directory.EnumerateFileSystemEntries(root.Path, "*", SearchOption.AllDirectories)
                .Where(f => !IsOnnxRuntimes(f) && !f.StartsWith(PreparedFolder.Location(Path("cache")), StringComparison.Ordinal)
                    && !PreparedFolder.Location(Path("cache")).StartsWith(f + System.IO.Path.DirectorySeparatorChar, StringComparison.Ordinal))
                .ToDictionary(f => f, f => File.Exists(f) ? (new FileInfo(f).Length, File.GetLastWriteTimeUtc(f)) : (-1, DateTime.MinValue));

        /// <summary>ONNX Runtime keeps a device id of its own in $XDG_CACHE_HOME/Microsoft/DeveloperTools when it first
        /// loads (the folder, made for this test, is made by it).</summary>
        private bool IsOnnxRuntimes(string path) =>
            path == Path("xdg") || path.StartsWith(Path("xdg/Microsoft"), StringComparison.Ordinal);

        public string Expand(string arg) => arg
            .Replace("{ckpt}", Path("run/checkpoints/epoch-0001.ckpt"))
            .Replace("{dev}", "/dev/null")
            .Replace("{", root.Path + "/").Replace("}", "");

        public void Dispose() => root.Dispose();
    }

    public static TheoryData<string> Cases() =>
    [
        // train: numbers
        "train --images {data.idx} --epochs 0", "train --images {data.idx} --epochs -3", "train --images {data.idx} --epochs abc",
        "train --images {data.idx} --epochs 99999999999", "train --images {data.idx} --batch-size 0", "train --images {data.idx} --batch-size -5",
        "train --images {data.idx} --batch-size 1e3", "train --images {data.idx} --batch-size 100000000", "train --images {data.idx} --checkpoint-every 0",
        "train --images {data.idx} --keep 0", "train --images {data.idx} --eval-every 0", "train --images {data.idx} --eval-every 1 --eval-count 5",
        "train --images {data.idx} --eval-every 1 --eval-count 100000000", "train --images {data.idx} --seed x", "train --images {data.idx} --precision fp16",
        // train: recipes
        "train --images {data.idx} --recipe fastest", "train --images {data.idx} --recipe adam-b0-ema-b64-nodrop-r1", "train --images {data.idx} --recipe dcgan-ema",
        "train --images {data.idx} --recipe {missing.json}", "train --images {data.idx} --recipe {dup.json}", "train --images {data.idx} --recipe {huge.json}",
        "train --images {data.idx} --recipe {text.json}", "train --images {data.idx} --recipe conditional --out {new}",
        // train: files
        "train --images {text.txt} --out {new}", "train --images {folder} --out {new}", "train --images {img32.idx} --out {run}", "train --images {missing.idx} --out {new}",
        "train --labels {labels.idx}", "train --images {data.idx} --labels {text.txt} --out {new}", "train --data {text.txt}", "train --images {data.idx} --data {folder}",
        "train --images {data.idx} --out {text.txt}", "train --images {data.idx} --out {text.txt}/run", "train --images {data.idx} --out {dev}",
        "train --images {data.idx} --out {new} --tensorboard {text.txt}", "train --images {data.idx} --out {new} --augment blur", "train --images {data.idx} --out {run} --seed 4",
        "train --images {data.idx} --out {new} --augment-target 0.6", "train --images {data.idx} --out {new} --augment cutout --augment-target 1.5",
        "train --images {img14.idx} --out {run}", "train --images {data.idx} --out {new} --eval-every 1 --evaluator {text.txt}",
        "train --images {data.idx} --out {new} --eval-every 1 --evaluator {flipped.evaluator}",
        // train: folders of images
        "train --data {badpics} --out {new}", "train --data {pics} --recipe conditional --out {new}", "train --data {onepic} --recipe conditional --out {new}",
        "train --data {pics} --out {new} --fit stretch", "train --data {pics} --out {new} --invert maybe", "train --data {pics} --out {new} --bad-images ignore",
        "train --data {pics} --out {new} --eval-every 1 --evaluator {judge.evaluator}",
        // train: shapes and colour (issue 35)
        "train --data {pics} --out {new} --image-size 48", "train --data {pics} --out {new} --image-size abc", "train --data {pics} --out {new} --image-size 100000000",
        "train --data {pics} --out {new} --channels 2", "train --data {pics} --out {new} --background pink", "train --data {pics} --out {new} --background #12345",
        "train --data {pics} --out {new} --recipe dcgan --image-size 28", "train --data {pics} --out {new} --recipe tutorial --image-size 32",
        "train --data {pics} --out {new} --recipe improved --channels 3", "train --data {pics} --out {run} --channels 3",
        "train --data {zeropng} --out {new}", "train --data {hugepng} --out {new} --image-size 32",
        // generate
        "generate --checkpoint {ckpt} --out {g.png} --count 0", "generate --checkpoint {ckpt} --out {g.png} --count abc",
        "generate --checkpoint {ckpt} --out {g.png} --count 100000000", "generate --checkpoint {ckpt} --out {g.png} --count 50000",
        "generate --checkpoint {ckpt} --out {g.png} --columns 0", "generate --checkpoint {ckpt} --out {g.png} --columns 5000",
        "generate --checkpoint {ckpt} --out {g.gif} --interpolate 1", "generate --checkpoint {ckpt} --out {g.gif} --interpolate 100000000",
        "generate --checkpoint {ckpt} --out {g.gif} --interpolate 900 --count 64", "generate --checkpoint {ckpt} --out {g.png} --category abc",
        "generate --checkpoint {ckpt} --out {g.png} --category 3", "generate --checkpoint {ckpt} --out {g.png} --seed 1.5",
        "generate --checkpoint {ckpt} --out {ckpt}", "generate --checkpoint {ckpt} --out {badpics}", "generate --checkpoint {ckpt} --out {text.txt}/", "generate --checkpoint {ckpt} --out {dev}",
        "generate --checkpoint {ckpt} --out {fifo}", "generate --checkpoint {ckpt} --out {text.txt}/g.png", "generate --checkpoint {text.txt} --out {g.png}",
        "generate --checkpoint {missing.ckpt} --out {g.png}", "generate --run {folder} --out {g.png}", "generate --model {text.txt} --out {g.png}",
        "generate --checkpoint {ckpt} --out {g.png} --format jpeg", "generate --checkpoint {ckpt} --out {g.png} --weights ema",
        "generate --checkpoint {ckpt} --model {text.txt} --out {g.png}", "generate --out {g.png}",
        // evaluate
        "evaluate --samples {img32.idx} --images {data.idx} --reference {data.idx} --evaluator {judge.evaluator}",
        "evaluate --samples {img14.idx} --images {data.idx} --reference {data.idx} --evaluator {judge.evaluator}",
        "evaluate --samples {one.idx} --images {data.idx} --reference {data.idx} --evaluator {judge.evaluator}",
        "evaluate --samples {text.txt} --images {data.idx} --reference {data.idx} --evaluator {judge.evaluator}",
        "evaluate --samples {data.idx} --images {data.idx} --reference {img32.idx} --evaluator {judge.evaluator}",
        "evaluate --samples {data.idx} --images {img32.idx} --reference {data.idx} --evaluator {judge.evaluator}",
        "evaluate --samples {data.idx} --images {data.idx} --reference {data.idx} --evaluator {flipped.evaluator}",
        "evaluate --samples {data.idx} --images {data.idx} --reference {data.idx} --evaluator {text.txt}",
        "evaluate --samples {data.idx} --images {data.idx} --reference {data.idx} --evaluator {missing.evaluator}",
        "evaluate --checkpoint {ckpt} --images {data.idx} --count 5", "evaluate --checkpoint {ckpt} --images {data.idx} --count 100000000",
        "evaluate --images {data.idx}", "evaluate --checkpoint {ckpt} --data {pics} --evaluator {judge.evaluator}",
        "evaluate --samples {pics} --data {pics} --imagenet", "evaluate --samples {text.txt} --data {pics} --imagenet",
        "evaluate --checkpoint {ckpt} --images {data.idx} --per-class -1", "evaluate --checkpoint {ckpt} --images {data.idx} --per-class 100000000",
        // evaluator train
        "evaluator train --images {data.idx} --labels {labels.idx} --test-images {data.idx} --test-labels {labels.idx} --out {folder}",
        "evaluator train --images {data.idx} --labels {labels.idx} --test-images {data.idx} --test-labels {labels.idx} --out {data.idx}",
        "evaluator train --images {data.idx} --labels {labels.idx} --test-images {data.idx} --test-labels {labels.idx} --out {dev}",
        "evaluator train --images {data.idx} --labels {labels.idx} --test-images {data.idx} --test-labels {labels.idx} --epochs 0",
        "evaluator train --images {img32.idx} --labels {labels.idx} --test-images {data.idx} --test-labels {labels.idx} --out {e.evaluator}",
        "evaluator train --images {data.idx} --test-images {data.idx} --test-labels {labels.idx} --out {e.evaluator}",
        "evaluator train --data {fewpics} --image-size 16 --out {e.evaluator}",
        // export
        "export --checkpoint {ckpt} --out {new} --format xyz", "export --checkpoint {ckpt} --out {text.txt}", "export --checkpoint {text.txt} --out {new}",
        "export --checkpoint {ckpt} --out {new} --weights ema", "export --checkpoint {ckpt} --out {new} --format onnx --bn batch",
        // benchmark and doctor
        "benchmark --batch-size 0", "benchmark --batch-size 100000000", "benchmark --batch-size 60000", "benchmark --batch-size x",
        "benchmark --steps 2", "benchmark --steps 1000000", "benchmark --warmup -1", "benchmark --recipe fastest", "benchmark --recipe {dup.json}",
        "benchmark --pytorch {missing.py} --recipe dcgan --image-size 32", "benchmark --pytorch {text.txt}", "benchmark --rounds 0",
        "benchmark --recipe dcgan --image-size 32 --precision bf16 --pytorch {text.txt}", "benchmark --rounds 1000",
        "benchmark --recipe dcgan --image-size 16 --batch-size 8 --steps 3 --warmup 0 --pytorch {text.txt}",
        "doctor --batch-size 0", "doctor --batch-size 100000000", "doctor --batch-size 30000 --images 60000", "doctor --images 0", "doctor --images abc",
        // data, recipes, runs
        "data info --dataset xyz", "data info --images {text.txt}",
        "data prepare --images {data.idx}", "data prepare --data {pics} --threads 0", "data prepare --data {pics} --threads 100000",
        "data prepare --data {badpics}", "data prepare --data {missing}", "data cache --remove nosuch.images",
        "benchmark --data {missing}", "benchmark --data {badpics} --recipe dcgan --image-size 16", "recipes fastest", "recipes {dup.json}",
        "recipes {missing.json}", "runs --evaluations --score-target 11", "nosuchcommand",
        // seen by trying what a new user would (issue 37)
        "train --data {cutjpeg} --out {new}", "train --data {selflink} --out {new}", "train --data {pics} --out {pics}/run",
        "evaluator train --images {data.idx} --labels {labels200.idx} --test-images {data.idx} --test-labels {labels.idx} --out {e.evaluator}",
        "evaluate --samples {data.idx} --images {data.idx} --reference {data.idx} --evaluator {half.evaluator}",
        "generate --model {folder} --out {g.png}", "runs {text.txt}",
        // serve
        "serve", "serve --run {text.txt}", "serve --run {missing}", "serve --runs {folder}", "serve --run {run} --port 70000",
        "serve --run {run} --port abc", "serve --run {run} --port -1", "train --images {data.idx} --out {new} --serve --port 99999",
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Bad_input_gets_at_most_three_lines_a_nonzero_exit_and_leaves_nothing_behind(string command)
    {
        string[] args = [.. command.Split(' ').Select(files.Expand)];
        var before = files.Snapshot();

        var (exitCode, _, err, peak) = DcganProcess.RunIn(files.Work, files.Environment, args);

        Assert.True(exitCode != 0, $"exit 0: {command}");
        string[] lines = err.TrimEnd().Split('\n');
        Assert.True(lines.Length <= 3, $"{lines.Length} lines:\n{err}");
        Assert.StartsWith("dcgan: ", err);
        Assert.DoesNotContain("   at ", err);
        Assert.DoesNotContain("unexpected error", err);
        Assert.True(peak < 1_500L << 20, $"{peak >> 20} MB at its peak");
        var after = files.Snapshot();
        var made = after.Keys.Except(before.Keys).ToList();
        Assert.True(made.Count == 0, $"made {string.Join(", ", made)}"); // nothing made
        Assert.All(before, entry => Assert.Equal(entry.Value, after[entry.Key])); // nothing changed
    }

    /// <summary>What a user now reads for each hole found by trying bad input as a new user would (issue 37).</summary>
    public static TheoryData<string, string> Messages() => new()
    {
        { "train --data {cutjpeg} --out {new}", "cutjpeg/cats/a.jpg is a truncated JPEG (its data ends before the image does); remove it, or pass --bad-images skip to leave such files out." },
        { "train --data {selflink} --out {new}", "selflink/six/x.png is not an image that can be read" },
        { "train --data {pics} --out {pics}/run", "is inside the data folder" },
        { "evaluator train --images {data.idx} --labels {labels200.idx} --test-images {data.idx} --test-labels {labels.idx} --out {e.evaluator}",
            "labels200.idx has label 200 (label 6); the evaluator tells digits 0 to 9, so give it labels 0 to 9." },
        { "evaluate --samples {data.idx} --images {data.idx} --reference {data.idx} --evaluator {half.evaluator}", "half.evaluator is damaged: it is cut short or changed" },
        { "generate --model {folder} --out {g.png}", "folder is a folder; name the .onnx file of a generator in it" },
        { "runs {text.txt}", "text.txt is a file; name the folder that holds your run folders" },
        { "benchmark --pytorch {text.txt}", "the recipe tutorial trains otherwise than pytorch/examples' dcgan step, which the PyTorch peer runs; time the dcgan recipe beside it" },
        { "train --data {pics} --out {run} --channels 3", "run holds a run of 28x28 gray images, and these are 64x64 colour; resume it with --image-size 28 --channels 1, or train into a new --out folder." },
        { "train --data {pics} --out {new} --recipe tutorial --image-size 32", "the recipe tutorial is for the tutorial's models, which take 28x28 gray images; for 32x32 gray images choose a recipe for the DCGAN paper's models, such as dcgan." },
        { "train --data {hugepng} --out {new} --image-size 32", "hugepng/cats/a.png is 100000x100000 pixels, more than 64 megapixels" },
        { "train --data {zeropng} --out {new}", "zeropng/cats/a.png is" },
        { "evaluator train --data {fewpics} --image-size 16 --out {e.evaluator}",
            "holding out 15 % of each class of these 8 images leaves 2 to test an evaluator on, and its accuracy needs at least 20 to mean anything: about 134 images in all. Add images to the classes, or give test images of their own." },
        { "data prepare --images {data.idx}", "only a folder of your own images is prepared (--data FOLDER)" },
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public void A_hole_a_new_user_found_now_says_what_is_wrong(string command, string expected)
    {
        var (exitCode, _, err, _) = DcganProcess.RunIn(files.Work, files.Environment, [.. command.Split(' ').Select(files.Expand)]);

        Assert.NotEqual(0, exitCode);
        Assert.Single(err.TrimEnd().Split('\n'));
        Assert.Contains(expected, err);
        Assert.True(err.Length < 400, err); // one readable line, not a path repeated
    }

    /// <summary>DCGAN_DATA naming a file: said in one line, not taken for an empty cache.</summary>
    [Fact]
    public void A_data_cache_that_is_a_file_is_said_to_be_one()
    {
        var environment = files.Environment;
        environment["DCGAN_DATA"] = files.Path("text.txt");

        var (exitCode, _, err, _) = DcganProcess.RunIn(files.Work, environment, "data", "info");

        Assert.Equal(1, exitCode);
        Assert.Equal($"dcgan: error: the data cache {files.Path("text.txt")} is a file, not a folder; set DCGAN_DATA to a folder (or unset it for the default).", err.TrimEnd());
    }

    /// <summary>With real images that have no labels, no per-class draws are made: the note comes first, and the memory
    /// of 100,000 draws is never taken.</summary>
    [Fact]
    public void Per_class_draws_are_not_made_when_the_real_images_have_no_labels()
    {
        var (exitCode, _, err, peak) = DcganProcess.RunIn(files.Work, files.Environment, "evaluate", "--checkpoint", files.Path("condrun/checkpoints/epoch-0001.ckpt"),
            "--images", files.Path("data.idx"), "--reference", files.Path("data.idx"), "--evaluator", files.Path("judge.evaluator"), "--count", "40", "--per-class", "10000");

        Assert.True(exitCode == 0, err);
        Assert.Contains("note: no classification accuracy score: the real images have no labels", err);
        Assert.True(peak < 1_000L << 20, $"{peak >> 20} MB at its peak: the per-class images were drawn");
    }
}
