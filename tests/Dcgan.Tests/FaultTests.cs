using System.Diagnostics;
using Dcgan.IO;
using Dcgan.Runs;
using Xunit.Abstractions;

namespace Dcgan.Tests;

/// <summary>What happens to a run when the world intervenes: signals, a second trainer, a damaged checkpoint, a full
/// disk. Each through the real program.</summary>
public class FaultTests(ITestOutputHelper output, FaultTests.WholeRun uninterrupted) : IClassFixture<FaultTests.WholeRun>
{
    /// <summary>640 images and their uninterrupted run of 2 epochs, which each signal's stopped run must end as: made
    /// once for both signals.</summary>
    public sealed class WholeRun : IDisposable
    {
        private readonly TempFolder dir = new();

        public WholeRun()
        {
            Data = Fixtures.TinyDataset(dir, 640);
            Run = new RunFolder(dir.File("whole"));
            Assert.Equal(0, DcganProcess.Run([], Train(Data, Run.Path, 2, batch: 16)).ExitCode);
        }

        public string Data { get; }

        public RunFolder Run { get; }

        public void Dispose() => dir.Dispose();
    }

    private static string[] Train(string data, string run, int epochs, int batch = 8) =>
        ["train", "--images", data, "--epochs", $"{epochs}", "--batch-size", $"{batch}", "--checkpoint-every", "1", "--seed", "9", "--out", run, "--skip-self-check"];

    private static void Signal(Process process, string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <summary>Waits until a file exists, the process has ended, or a minute has passed (then the test fails).</summary>
    private static void WaitFor(string file, Process process)
    {
        var until = DateTime.UtcNow.AddSeconds(60);
        while (!File.Exists(file) && !process.HasExited && DateTime.UtcNow < until)
        {
            Thread.Sleep(20);
        }
        Assert.True(File.Exists(file), $"{file} did not appear");
    }

    [Theory]
    [InlineData("INT")]
    [InlineData("TERM")]
    public async Task A_signal_during_an_epoch_saves_the_step_and_the_run_resumes_to_the_same_weights(string signal)
    {
        using var dir = new TempFolder();
        string data = uninterrupted.Data;
        var stopped = new RunFolder(dir.File("stopped"));

        // The run holds after step 5 of epoch 2 (of 40) until the signal comes: it lands midway for certain.
        string held = dir.File("held");
        using var process = DcganProcess.StartInForeground(new() { ["DCGAN_FAULT_HOLD_AFTER"] = "2:5", ["DCGAN_FAULT_HOLD_FILE"] = held },
            Train(data, stopped.Path, 2, batch: 16));
        var stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        WaitFor(held, process);
        var clock = Stopwatch.StartNew();
        Signal(process, signal);
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"dcgan did not stop within 60 s of SIG{signal}; it wrote: {await stderr}");
        }
        output.WriteLine($"SIG{signal} to exit: {clock.Elapsed.TotalSeconds:F2} s");

        Assert.Equal(130, process.ExitCode);
        Assert.Contains("interrupted; the run is saved in ", await stderr);
        Assert.Equal("epoch-0001-step-0005.ckpt", Path.GetFileName(stopped.LatestCheckpoint()!));
        var resumed = DcganProcess.Run([], Train(data, stopped.Path, 2, batch: 16));
        Assert.True(resumed.ExitCode == 0, resumed.Err);
        RunAssert.SameFinalWeights(uninterrupted.Run, stopped);
    }

    [Fact]
    public async Task A_second_train_into_a_live_runs_folder_is_refused_and_the_live_run_goes_on()
    {
        using var dir = new TempFolder();
        string data = Fixtures.TinyDataset(dir, 200);
        var run = new RunFolder(dir.File("run"));
        using var live = DcganProcess.Start([], Train(data, run.Path, 3));
        _ = live.StandardOutput.ReadToEndAsync();
        var liveErr = live.StandardError.ReadToEndAsync();
        WaitFor(run.ImageAtEpoch(1), live);

        var second = DcganProcess.Run([], Train(data, run.Path, 3));

        Assert.Equal(1, second.ExitCode);
        Assert.Equal($"dcgan: error: another dcgan process is training in {run.Path}; wait for it, stop it, or choose another --out folder.", second.Err.TrimEnd());
        Assert.True(live.WaitForExit(TimeSpan.FromMinutes(2)));
        Assert.True(live.ExitCode == 0, await liveErr);
        Assert.Equal(3, run.EpochImages().Count);
    }

    [Fact]
    public void A_damaged_newest_checkpoint_is_kept_aside_and_the_run_goes_on_from_the_one_before()
    {
        using var dir = new TempFolder();
        string data = Fixtures.TinyDataset(dir, 40);
        var whole = new RunFolder(dir.File("whole"));
        var run = new RunFolder(dir.File("run"));
        Assert.Equal(0, DcganProcess.Run([], Train(data, whole.Path, 3)).ExitCode);
        Assert.Equal(0, DcganProcess.Run([], Train(data, run.Path, 2)).ExitCode);
        byte[] damaged = File.ReadAllBytes(run.CheckpointAt(2));
        damaged[damaged.Length / 2] ^= 0x40; // one flipped bit

        File.WriteAllBytes(run.CheckpointAt(2), damaged);
        var resumed = DcganProcess.Run([], Train(data, run.Path, 3));

        Assert.True(resumed.ExitCode == 0, resumed.Err);
        Assert.Contains("Skipping epoch-0002.ckpt: ", resumed.Out);
        Assert.Contains("its checksum does not match", resumed.Out);
        Assert.Equal(damaged, File.ReadAllBytes(run.CheckpointAt(2) + ".damaged"));
        RunAssert.SameFinalWeights(whole, run);
    }

    [Fact]
    public void A_write_that_fails_for_a_full_disk_leaves_no_partial_file_and_the_old_one_intact()
    {
        using var dir = new TempFolder();
        string file = dir.File("kept.bin");
        AtomicFile.Write(file, s => s.Write([1, 2, 3]));

        var e = Assert.Throws<IOException>(() => AtomicFile.Write(file, s =>
        {
            s.Write([9, 9]);
            throw new IOException("No space left on device : 'kept.bin'", 28);
        }));

        Assert.StartsWith($"the disk is full: {file} could not be written, and what was saved before it is intact", e.Message);
        Assert.Equal([1, 2, 3], File.ReadAllBytes(file));
        Assert.Equal(["kept.bin"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
    }

    /// <summary>A run on a small tmpfs: the first checkpoint fits, a later one does not. Needs root's mount (as CI
    /// has); elsewhere the test says so and checks nothing.</summary>
    [Fact]
    public void A_full_disk_during_a_run_stops_it_in_one_line_and_the_previous_checkpoint_still_resumes()
    {
        using var dir = new TempFolder();
        string data = Fixtures.TinyDataset(dir, 40);
        string disk = dir.File("disk");
        Directory.CreateDirectory(disk);
        using var mount = Process.Start("mount", ["-t", "tmpfs", "-o", "size=60m", "tmpfs", disk]);
        mount.WaitForExit();
        if (mount.ExitCode != 0)
        {
            output.WriteLine("tmpfs could not be mounted here (not root?); the full-disk run was not tried.");
            return;
        }
        try
        {
            var run = new RunFolder(Path.Combine(disk, "run"));
            var full = DcganProcess.Run([], Train(data, run.Path, 5));

            Assert.Equal(1, full.ExitCode);
            string[] lines = full.Err.TrimEnd().Split('\n');
            Assert.Single(lines);
            Assert.StartsWith("dcgan: error: the disk is full: ", lines[0]);
            Assert.Empty(Directory.EnumerateFiles(run.Path, "*.tmp", SearchOption.AllDirectories));
            string last = run.LatestCheckpoint()!;
            output.WriteLine($"stopped by a full disk after {Path.GetFileName(last)}: {full.Err.Trim()}");
            // "checkpoint saved" is said of the checkpoints on disk, and of no other: the epoch whose checkpoint did
            // not fit gets no line at all, and the error is the last word.
            int saved = int.Parse(Path.GetFileNameWithoutExtension(last)["epoch-".Length..], System.Globalization.CultureInfo.InvariantCulture);
            var epochLines = full.Out.Split('\n').Where(l => l.StartsWith("Time for epoch ", StringComparison.Ordinal)).ToList();
            Assert.Equal(saved, epochLines.Count);
            Assert.All(epochLines.Select((line, i) => (line, i)), x => Assert.True(
                x.line.StartsWith($"Time for epoch {x.i + 1} is ", StringComparison.Ordinal) && x.line.EndsWith("checkpoint saved", StringComparison.Ordinal), x.line));

            // Moved to a disk with room, the run goes on from the last checkpoint written whole.
            string moved = dir.File("moved");
            Fixtures.CopyFolder(run.Path, moved);
            var resumed = DcganProcess.Run([], Train(data, moved, 5));
            Assert.True(resumed.ExitCode == 0, resumed.Err);
            Assert.Contains($"Resuming {moved} at epoch ", resumed.Out);
        }
        finally
        {
            using var unmount = Process.Start("umount", [disk]);
            unmount.WaitForExit();
        }
    }
}
