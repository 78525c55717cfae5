using System.Diagnostics;
using Dcgan.Data;
using TorchSharp;
using Xunit.Abstractions;

namespace Dcgan.Tests;

/// <summary>A folder decoded once into its prepared copy and read from there: the same images, labels and fingerprint
/// as reading it into memory; keyed by the files and the options; sealed against damage; never used half-written.</summary>
public class PreparedFolderTests(ITestOutputHelper output)
{
    private static string MakeFolder(TempFolder dir, int perClass = 6, string name = "pics") => Fixtures.ColourFolder(dir, perClass, name);

    private static readonly ImageFolderOptions Options = new() { Size = 16 };

    private static ImageSet Open(string folder, string cache, List<string> log, ImageFolderOptions? options = null) =>
        PreparedFolder.Open(folder, options ?? Options, cache, log.Add);

    private static string OnlyCopy(string cache) => Assert.Single(PreparedFolder.List(cache)).Path;

    /// <summary>A folder prepared once into its own cache, and its copy's path.</summary>
    private static (string Folder, string Cache, string Copy) PreparedOnce(TempFolder dir)
    {
        string folder = MakeFolder(dir);
        string cache = dir.File("cache");
        Open(folder, cache, []).Dispose();
        return (folder, cache, OnlyCopy(cache));
    }

    /// <summary>The copy's bytes, changed by <paramref name="damage"/>, written back.</summary>
    private static void Damage(string copy, Func<byte[], byte[]> damage) => File.WriteAllBytes(copy, damage(File.ReadAllBytes(copy)));

    [Fact]
    public void A_folder_is_decoded_once_and_its_copy_holds_what_reading_it_into_memory_gives()
    {
        using var dir = new TempFolder();
        string folder = MakeFolder(dir);
        var log = new List<string>();

        using var prepared = Open(folder, dir.File("cache"), log);
        var memory = ImageFolder.Read(folder, Options);
        DateTime written = File.GetLastWriteTimeUtc(OnlyCopy(dir.File("cache")));
        var again = new List<string>();
        using var reread = Open(folder, dir.File("cache"), again);

        Assert.Contains(log, l => l.StartsWith("Preparing ", StringComparison.Ordinal));
        Assert.Equal((12, 16, 16, 3), (prepared.Count, prepared.Rows, prepared.Columns, prepared.Channels));
        Assert.Equal(memory.CopyPixels(), prepared.CopyPixels());
        Assert.Equal(memory.Labels, prepared.Labels);
        Assert.Equal(["cats", "dogs"], prepared.ClassNames);
        // The seal's fingerprint, computed once while writing, is the one the bytes give (runs of earlier builds resume).
        Assert.Equal(memory.Fingerprint(), prepared.Fingerprint());
        Assert.Equal(memory.Fingerprint(), reread.Fingerprint());
        Assert.Equal(memory.CopyPixels(), reread.CopyPixels());
        Assert.DoesNotContain(again, l => l.StartsWith("Preparing ", StringComparison.Ordinal));
        Assert.Contains(again, l => l.StartsWith("Reading 12 images of 16x16 colour from the prepared copy ", StringComparison.Ordinal));
        Assert.Equal(written, File.GetLastWriteTimeUtc(OnlyCopy(dir.File("cache"))));
    }

    [Fact]
    public void The_bytes_do_not_depend_on_the_number_of_threads_and_skipped_files_leave_the_fingerprint_right()
    {
        using var dir = new TempFolder();
        string folder = MakeFolder(dir, perClass: 9);
        File.WriteAllText(Path.Combine(folder, "dogs", "05-broken.png"), "not a PNG");
        var skipping = Options with { SkipBadFiles = true };

        using var one = PreparedFolder.Open(folder, skipping with { Threads = 1 }, dir.File("one"));
        using var two = PreparedFolder.Open(folder, skipping with { Threads = 2 }, dir.File("two"));
        var memory = ImageFolder.Read(folder, skipping);

        Assert.Equal(18, one.Count);
        Assert.Equal(memory.CopyPixels(), one.CopyPixels());
        Assert.Equal(memory.CopyPixels(), two.CopyPixels());
        Assert.Equal(memory.Fingerprint(), one.Fingerprint());
        Assert.Equal(memory.Labels, two.Labels);
    }

    [Fact]
    public void A_touched_file_an_added_file_and_other_options_each_prepare_again()
    {
        using var dir = new TempFolder();
        var (folder, cache, _) = PreparedOnce(dir);

        var touched = new List<string>();
        File.SetLastWriteTimeUtc(Path.Combine(folder, "cats", "01.jpg"), DateTime.UtcNow.AddMinutes(5));
        Open(folder, cache, touched).Dispose();
        var added = new List<string>();
        File.Copy(Path.Combine(folder, "cats", "00.png"), Path.Combine(folder, "dogs", "99.png"));
        using var grown = Open(folder, cache, added);
        var cropped = new List<string>();
        using var crop = Open(folder, cache, cropped, Options with { Fit = ImageFit.Crop });

        Assert.Contains(touched, l => l == $"note: {folder} changed since it was prepared (1 file changed); preparing it again.");
        Assert.Contains(touched, l => l.StartsWith("Preparing ", StringComparison.Ordinal));
        Assert.Contains(added, l => l == $"note: {folder} changed since it was prepared (1 file added); preparing it again.");
        Assert.Equal(13, grown.Count);
        Assert.Contains(cropped, l => l.StartsWith("Preparing ", StringComparison.Ordinal));
        Assert.Equal(2, PreparedFolder.List(cache).Count); // the stale copy replaced; another one for the other options
        Assert.NotEqual(grown.CopyPixels(), crop.CopyPixels());
    }

    [Fact]
    public void A_flipped_pixel_is_caught_when_its_chunk_is_read_and_the_copy_is_prepared_again()
    {
        using var dir = new TempFolder();
        var (folder, cache, copy) = PreparedOnce(dir);
        Damage(copy, bytes =>
        {
            bytes[5 * 768 + 100] ^= 0x10; // a pixel of image 5
            return bytes;
        });

        using var damaged = Open(folder, cache, []); // the header is whole: opened without reading every pixel
        var image = new byte[damaged.ImageBytes];
        var e = Assert.Throws<PreparedFileDamagedException>(() => damaged.CopyImage(5, image));
        var log = new List<string>();
        using var mended = Open(folder, cache, log);

        Assert.Equal($"the prepared copy {copy} is damaged: its pixels at byte 0 (chunk 1 of 1) do not match their seal.", e.Message);
        Assert.Contains(log, l => l.StartsWith("Preparing ", StringComparison.Ordinal));
        Assert.Equal(ImageFolder.Read(folder, Options).CopyPixels(), mended.CopyPixels());
    }

    [Theory]
    [InlineData("cut")]
    [InlineData("header")]
    public void A_copy_cut_short_or_with_a_changed_header_is_said_and_prepared_again(string damage)
    {
        using var dir = new TempFolder();
        var (folder, cache, copy) = PreparedOnce(dir);
        Damage(copy, bytes =>
        {
            if (damage == "cut")
            {
                return bytes[..(bytes.Length / 2)];
            }
            bytes[^(PreparedFile.FooterBytes + 20)] ^= 1; // inside the header's JSON
            return bytes;
        });

        var log = new List<string>();
        using var mended = Open(folder, cache, log);

        Assert.Contains(log, l => l.StartsWith($"note: the prepared copy {copy} is damaged: ", StringComparison.Ordinal) && l.EndsWith($"; preparing {folder} again.", StringComparison.Ordinal));
        Assert.Equal(ImageFolder.Read(folder, Options).CopyPixels(), mended.CopyPixels());
    }

    [Fact]
    public void A_killed_preparation_leaves_nothing_that_is_read_and_a_cancelled_one_nothing_at_all()
    {
        using var dir = new TempFolder();
        string folder = MakeFolder(dir, perClass: 70);
        string cache = dir.File("cache");
        string path = PreparedFolder.PathOf(Path.GetFullPath(folder), Options, cache);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // What a process killed while writing leaves: its temporary file, half written.
        File.WriteAllBytes(Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.99999.tmp"), new byte[5000]);
        using var cancel = new CancellationTokenSource();
        var progress = new Reporter(_ => cancel.Cancel()); // Ctrl+C as the first block is decoded

        Assert.ThrowsAny<OperationCanceledException>(() => PreparedFolder.Open(folder, Options, cache, progress: progress, cancel: cancel.Token));
        Assert.Empty(Directory.EnumerateFiles(Path.GetDirectoryName(path)!, "*.tmp", new EnumerationOptions { AttributesToSkip = 0 }));
        Assert.Empty(PreparedFolder.List(cache));
        using var whole = PreparedFolder.Open(folder, Options, cache);
        Assert.Equal(140, whole.Count);
    }

    [Fact]
    public void A_folder_that_changes_while_it_is_prepared_is_refused_and_nothing_is_kept()
    {
        using var dir = new TempFolder();
        string folder = MakeFolder(dir, perClass: 70);
        string cache = dir.File("cache");
        // A file already read is rewritten as the first block is decoded: its copy would not be the folder's.
        var progress = new Reporter(_ => File.SetLastWriteTimeUtc(Path.Combine(folder, "cats", "00.png"), DateTime.UtcNow.AddMinutes(1)));

        var e = Assert.Throws<FolderChangedException>(() => PreparedFolder.Open(folder, Options, cache, progress: progress));

        Assert.Equal($"{Path.GetFullPath(folder)} changed while it was being read; nothing was kept: run the same command again once the folder stays as it is.", e.Message);
        Assert.Empty(PreparedFolder.List(cache));
        Assert.False(Directory.Exists(PreparedFolder.Location(cache)), "nothing kept, not a temporary file, a lock or the empty cache");
    }

    [Fact]
    public async Task A_second_preparer_waits_for_the_first_and_reads_what_it_wrote()
    {
        using var dir = new TempFolder();
        string folder = MakeFolder(dir);
        // A copy prepared elsewhere, to be put in place while the lock is held, as the other process would.
        Open(folder, dir.File("elsewhere"), []).Dispose();
        string cache = dir.File("cache");
        string path = PreparedFolder.PathOf(Path.GetFullPath(folder), Options, cache);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var waiting = new ManualResetEventSlim();
        var log = new List<string>();
        Task<ImageSet> second;
        using (new FileStream(path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            second = Task.Run(() => PreparedFolder.Open(folder, Options, cache, line =>
            {
                lock (log)
                {
                    log.Add(line);
                }
                if (line.StartsWith("Waiting for another dcgan process", StringComparison.Ordinal))
                {
                    waiting.Set();
                }
            }));
            Assert.True(waiting.Wait(TimeSpan.FromMinutes(1)));
            File.Copy(OnlyCopy(dir.File("elsewhere")), path);
        }
        using var images = await second;

        Assert.Equal(12, images.Count);
        Assert.DoesNotContain(log, l => l.StartsWith("Preparing ", StringComparison.Ordinal));
        Assert.Contains(log, l => l.StartsWith("Reading 12 images", StringComparison.Ordinal));
    }

    /// <summary>A run whose prepared copy is found damaged as it reads it stops as Ctrl+C stops it, saved at the last
    /// whole step; the same call prepares the folder again and goes on to the end, as an uninterrupted run does.</summary>
    [Fact]
    public void A_run_that_finds_its_copy_damaged_stops_saved_and_the_same_call_prepares_again_and_goes_on()
    {
        using var dir = new TempFolder();
        string folder = MakeFolder(dir, perClass: 20);
        string cache = dir.File("cache");
        var request = new DataRequest { Data = folder, ImageSize = 16, CacheFolder = cache };
        var options = new Runs.TrainOptions { Epochs = 1, Seed = 3, Recipe = Training.Recipe.Named("dcgan") with { Name = "narrow", Width = 8, BatchSize = 8 } };
        string runPath = dir.File("run");
        Runs.Trainer.Run(Runs.Trainer.Prepare(options, request, runPath));
        string copy = OnlyCopy(cache);
        var bytes = File.ReadAllBytes(copy);
        bytes[100] ^= 1;
        File.WriteAllBytes(copy, bytes);

        var e = Assert.ThrowsAny<IOException>(() => Runs.Trainer.Run(Runs.Trainer.Prepare(options with { Epochs = 2 }, request, runPath)));
        Assert.Matches($"^the prepared copy {System.Text.RegularExpressions.Regex.Escape(copy)} is damaged: its pixels at byte 0 \\(chunk 1 of 1\\) do not match their seal; it was removed, and the run is saved in .*epoch-0001.*: the same command prepares the folder again and goes on from there\\.$", e.Message);
        Assert.False(File.Exists(copy));
        Runs.Trainer.Run(Runs.Trainer.Prepare(options with { Epochs = 2 }, request, runPath));
        Runs.Trainer.Run(Runs.Trainer.Prepare(options with { Epochs = 2 }, request, dir.File("whole")));

        Assert.Equal(File.ReadAllBytes(Path.Combine(dir.File("whole"), "image_at_epoch_0002.png")), File.ReadAllBytes(Path.Combine(runPath, "image_at_epoch_0002.png")));
    }

    /// <summary>Batches read from a prepared copy, a batch at a time on another thread, are the batches the whole set in
    /// memory gave before (one float tensor, index_select per batch), byte for byte, labels too, a resumed epoch too.</summary>
    [Fact]
    public void Batches_from_the_copy_are_the_batches_from_memory_for_the_same_seed()
    {
        using var dir = new TempFolder();
        string folder = MakeFolder(dir, perClass: 25);
        using var prepared = Open(folder, dir.File("cache"), []);
        var memory = ImageFolder.Read(folder, Options);
        using var all = memory.ToTensor();
        using var labels = torch.tensor(memory.Labels!).to(torch.int64);

        foreach (int skip in new[] { 0, 2 })
        {
            using var before = new torch.Generator(5);
            using var now = new torch.Generator(5);
            var expected = Batches.Shuffled(all, labels, 8, before, skip).ToList();
            var actual = Batches.Shuffled(prepared, 8, now, skip, withLabels: true).ToList();

            Assert.Equal(expected.Count, actual.Count);
            foreach (var (e, a) in expected.Zip(actual))
            {
                Assert.Equal(e.Images.shape, a.Images.shape);
                Assert.Equal(e.Images.bytes.ToArray(), a.Images.bytes.ToArray());
                Assert.Equal(e.Labels!.data<long>().ToArray(), a.Labels!.data<long>().ToArray());
                e.Dispose();
                a.Dispose();
            }
            Assert.Equal(before.get_state().bytes.ToArray(), now.get_state().bytes.ToArray());
        }
    }

    /// <summary>The table that turns a byte into the tutorial's [-1, 1]: the float32 nearest (x - 127.5) / 127.5 in
    /// float64, and what torch's float32 arithmetic gave for the whole set before (the same on every CPU: one
    /// correctly rounded division).</summary>
    [Fact]
    public void Pixels_scale_to_the_nearest_float_of_the_exact_value()
    {
        byte[] every = [.. Enumerable.Range(0, 256).Select(i => (byte)i)];
        using var set = new ImageSet(every, 1, 16, 16);
        using var scaled = set.ToTensor();
        using var bytes = torch.tensor(every, [256], torch.ScalarType.Byte);
        using var floats = bytes.to_type(torch.ScalarType.Float32);
        using var torchs = floats.sub(127.5).div_(127.5);

        float[] ours = scaled.data<float>().ToArray();
        Assert.Equal([.. every.Select(x => (float)((x - 127.5) / 127.5))], ours);
        Assert.Equal(torchs.data<float>().ToArray(), ours);
        Assert.Equal((-1f, 1f), (ours[0], ours[255]));
    }

    /// <summary>Preparation refused before decoding when the disk has too little room, and a disk that fills while it
    /// writes: one line each, nothing half-written kept. Needs root's mount (as CI has); elsewhere it says so.</summary>
    [Fact]
    public void Too_little_disk_is_refused_before_decoding_and_a_full_disk_while_writing_keeps_nothing()
    {
        using var dir = new TempFolder();
        string folder = MakeFolder(dir, perClass: 30);
        string disk = dir.File("disk");
        Directory.CreateDirectory(disk);
        using var mount = Process.Start("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", disk])!;
        mount.WaitForExit();
        if (mount.ExitCode != 0)
        {
            output.WriteLine("tmpfs could not be mounted here (not root?); the full-disk cases were not tried.");
            return;
        }
        try
        {
            var big = Options with { Size = 64 }; // 60 images of 12 KB: 737 KB, on a disk of 64 KB
            var log = new List<string>();
            var refused = Assert.Throws<NotEnoughSpaceException>(() => PreparedFolder.Open(folder, big, disk, log.Add));
            Assert.Matches(@"^preparing the images needs 7\d\d KB in .*/prepared, which has \d+ KB free \(prepared copies there take 0 KB\); free some space, or set DCGAN_DATA to a folder on a larger disk\.$", refused.Message);
            Assert.DoesNotContain(log, l => l.StartsWith("Preparing ", StringComparison.Ordinal));

            // The room read wrong (as when another program fills the disk meanwhile): the write itself runs out.
            PreparedFolder.FreeBytesOf = _ => long.MaxValue;
            var full = Assert.Throws<IOException>(() => PreparedFolder.Open(folder, big, disk));
            Assert.StartsWith("the disk is full: ", full.Message);
            Assert.Empty(Directory.EnumerateFiles(disk, "*.tmp", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }));
            Assert.Empty(PreparedFolder.List(disk));
        }
        finally
        {
            PreparedFolder.FreeBytesOf = PreparedFolder.FreeBytes;
            using var unmount = Process.Start("umount", [disk])!;
            unmount.WaitForExit();
        }
    }

    private sealed class Reporter(Action<(int Done, int Total)> report) : IProgress<(int Done, int Total)>
    {
        public void Report((int Done, int Total) value) => report(value);
    }
}
