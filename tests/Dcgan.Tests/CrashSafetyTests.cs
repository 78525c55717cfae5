using Dcgan.Runs;
using Dcgan.Training;

namespace Dcgan.Tests;

/// <summary>dcgan train killed (SIGKILL, no chance to clean up) while writing a checkpoint and at other moments, then
/// resumed each time.</summary>
public class CrashSafetyTests
{
    [Fact]
    public void Killed_runs_resume_to_the_same_weights_as_an_uninterrupted_run()
    {
        using var dir = new TempFolder();
        string data = Fixtures.TinyDataset(dir, 40);
        string[] Train(string run) => ["train", "--images", data, "--epochs", "8", "--batch-size", "16", "--checkpoint-every", "1", "--seed", "9", "--out", run, "--skip-self-check"];

        var whole = DcganProcess.Run([], Train(dir.File("whole")));
        Assert.True(whole.ExitCode == 0, whole.Err);

        var run = new RunFolder(dir.File("killed"));
        // Three kills while a checkpoint is written, made certain by the fault injector: the process kills itself
        // with the next-but-one epoch's file written whole and not yet renamed into place (it writes the next one
        // first, so each run gets further). Then three at random moments, which may land anywhere, or after the end.
        for (int kill = 0; kill < 3; kill++)
        {
            int next = (run.LatestCheckpoint() is { } saved ? Checkpoint.ReadHeader(saved).Epoch : 0) + 2;
            var killed = DcganProcess.Run(new() { ["DCGAN_FAULT_KILL_WRITING"] = $"epoch-{next:0000}.ckpt" }, Train(run.Path));

            Assert.Equal(137, killed.ExitCode); // 128 + SIGKILL
            Assert.Single(Directory.EnumerateFiles(run.CheckpointFolder, $".epoch-{next:0000}.ckpt.*.tmp"));
            Assert.Equal(next - 1, Checkpoint.ReadHeader(run.LatestCheckpoint()!).Epoch);
        }
        var random = new Random(2026);
        for (int kill = 0; kill < 3; kill++)
        {
            using var process = DcganProcess.Start([], Train(run.Path));
            process.WaitForExit(TimeSpan.FromMilliseconds(random.Next(800, 2500)));
            process.Kill(entireProcessTree: true);
            process.WaitForExit();

            // Whatever moment it died at, what is on disk is a valid run: the latest checkpoint loads.
            using var gan = new Gan();
            using var restored = Checkpoint.Load(run.LatestCheckpoint()!, gan);
            Assert.InRange(restored.Epoch, 3, 8);
        }

        var finish = DcganProcess.Run([], Train(run.Path));
        Assert.True(finish.ExitCode == 0, finish.Err);
        Assert.Empty(Directory.EnumerateFiles(run.CheckpointFolder, "*.tmp")); // what killed writes left is cleared
        RunAssert.SameFinalWeights(new RunFolder(dir.File("whole")), run);
    }
}
