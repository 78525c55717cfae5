using Dcgan.Runs;
using Dcgan.Training;

namespace Dcgan.Tests;

/// <summary>dcgan train killed (SIGKILL, no chance to clean up) at many moments, then resumed each time.</summary>
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
        var random = new Random(2026);
        int killsDuringCheckpointWrite = 0;
        for (int kill = 0; kill < 6; kill++)
        {
            using var process = DcganProcess.Start([], Train(run.Path));
            // Odd kills: the moment a checkpoint's temporary file appears (the write is under way); even ones: at a
            // random time. Either may find the process already past its end on a fast machine; that is fine too.
            if (kill % 2 == 1)
            {
                string temporary = $"*.{process.Id}.tmp";
                var until = DateTime.UtcNow.AddSeconds(20);
                while (!process.HasExited && DateTime.UtcNow < until
                       && !(Directory.Exists(run.CheckpointFolder) && Directory.EnumerateFiles(run.CheckpointFolder, temporary).Any()))
                {
                    Thread.SpinWait(1000);
                }
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                // It died while writing only if its temporary file is still there: a finished write renames it away.
                if (Directory.Exists(run.CheckpointFolder) && Directory.EnumerateFiles(run.CheckpointFolder, temporary).Any())
                {
                    killsDuringCheckpointWrite++;
                }
            }
            else
            {
                process.WaitForExit(TimeSpan.FromMilliseconds(random.Next(800, 2500)));
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }

            // Whatever moment it died at, what is on disk is a valid run: the latest checkpoint loads.
            if (run.LatestCheckpoint() is { } latest)
            {
                using var gan = new Gan();
                using var restored = Checkpoint.Load(latest, gan);
                Assert.InRange(restored.Epoch, 1, 8);
            }
        }

        var finish = DcganProcess.Run([], Train(run.Path));
        Assert.True(finish.ExitCode == 0, finish.Err);
        Assert.Empty(Directory.EnumerateFiles(run.CheckpointFolder, "*.tmp")); // what killed writes left is cleared
        RunAssert.SameFinalWeights(new RunFolder(dir.File("whole")), run);
        Assert.True(killsDuringCheckpointWrite > 0, "no kill landed while a checkpoint was being written");
    }
}
