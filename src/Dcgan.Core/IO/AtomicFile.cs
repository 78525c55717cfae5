namespace Dcgan.IO;

/// <summary>Writes a file so that a crash or a kill at any moment leaves either the old file or the complete new
/// one, never a half-written one: write a temporary file beside it, flush it to the disk, rename it into place
/// (rename is atomic within a folder on POSIX file systems and NTFS).</summary>
internal static class AtomicFile
{
    /// <summary>The temporary files are named .NAME.PID.tmp; one left by a killed process matches this.</summary>
    public const string TemporaryPattern = ".*.tmp";

    /// <summary>A fault injector for the crash tests, off unless set: the process kills itself (SIGKILL, nothing
    /// cleaned up) once its temporary file of this name is written whole and before it is renamed into place, the
    /// moment a crash must not lose the file before it.</summary>
    private static readonly string? KillWhileWriting = Environment.GetEnvironmentVariable("DCGAN_FAULT_KILL_WRITING");

    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/>. Refuses a path that holds anything but
    /// a regular file (the rename would replace a folder's entry, a device or a FIFO); a link is followed, so that its
    /// target is written and the link stays.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        path = Path.GetFullPath(path);
        if (new FileInfo(path).LinkTarget is not null && File.ResolveLinkTarget(path, returnFinalTarget: true) is { } target)
        {
            path = target.FullName;
        }
        if (OutputPath.KindOf(path) is { } kind && kind != OutputPath.Kind.File)
        {
            throw new IOException($"{path} is {OutputPath.Describe(kind)}, not a file; this tool writes only files.");
        }
        string folder = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(folder);
        string temp = Path.Combine(folder, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            if (KillWhileWriting == Path.GetFileName(path))
            {
                System.Diagnostics.Process.GetCurrentProcess().Kill();
            }
            File.Move(temp, path, overwrite: true);
        }
        catch (IOException e) when (IsDiskFull(e))
        {
            File.Delete(temp);
            throw DiskFull(path, e);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>Whether an IOException is the disk being full (ENOSPC, or Windows's ERROR_DISK_FULL).</summary>
    public static bool IsDiskFull(IOException e) =>
        e.HResult is 28 or unchecked((int)0x80070070) || e.Message.Contains("No space left on device", StringComparison.Ordinal);

    /// <summary>The one line a full disk gets: which file, and that what was saved before is intact.</summary>
    public static IOException DiskFull(string path, IOException e) =>
        new($"the disk is full: {path} could not be written, and what was saved before it is intact; free some space, then run the same command again.", e);

    /// <summary>Deletes the temporary files that killed writers left in <paramref name="folder"/>: none of them was
    /// ever the real file, so nothing is lost.</summary>
    public static void RemoveLeftovers(string folder)
    {
        if (!Directory.Exists(folder))
        {
            return;
        }
        foreach (string leftover in Directory.EnumerateFiles(folder, TemporaryPattern))
        {
            File.Delete(leftover);
        }
    }
}
