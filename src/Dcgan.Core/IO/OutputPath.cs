namespace Dcgan.IO;

/// <summary>
/// Where a command will write, checked before any work: a file must be absent or a regular file (not a folder, a
/// device, a FIFO or a socket, which a rename would replace), must not be a file the same command reads, and its folder
/// must be one that can be made and written. Every command that writes calls this first; <see cref="AtomicFile"/>
/// checks the kind again itself. Throws IOException with one line that names the option and says what to do.
/// </summary>
public static class OutputPath
{
    /// <summary>A file to write, given as <paramref name="option"/> (the output folder's option, say); <paramref name="inputs"/> are the
    /// files the command reads (null entries are skipped). Returns the full path.</summary>
    public static string CheckFile(string path, string option, params string?[] inputs)
    {
        string full = Path.GetFullPath(path);
        if (inputs.OfType<string>().FirstOrDefault(input => SameFile(full, input)) is { } read)
        {
            throw new IOException($"{option} {full} is a file this command reads ({Path.GetFileName(read)}); write to another file.");
        }
        if (KindOf(full) is { } kind && kind != Kind.File)
        {
            throw new IOException($"{option} {full} is {Describe(kind)}, not a file; name a file to write.");
        }
        CheckFolderWritable(Path.GetDirectoryName(full)!, option);
        return full;
    }

    /// <summary>A folder to write into (made if absent). Returns the full path.</summary>
    public static string CheckFolder(string path, string option)
    {
        string full = Path.GetFullPath(path);
        if (KindOf(full) is { } kind && kind != Kind.Folder)
        {
            throw new IOException($"{option} {full} is {Describe(kind)}, not a folder; choose a folder to write into.");
        }
        CheckFolderWritable(full, option);
        return full;
    }

    /// <summary>That <paramref name="folder"/> exists and can be written, or could be made: its nearest existing
    /// ancestor is a folder that can be written. Creates nothing: a probe file is made and removed at once.</summary>
    private static void CheckFolderWritable(string folder, string option)
    {
        string existing = folder;
        while (KindOf(existing) is null)
        {
            existing = Path.GetDirectoryName(existing) ?? throw new IOException($"{option}: {folder} has no existing folder above it.");
        }
        if (KindOf(existing) != Kind.Folder)
        {
            throw new IOException($"{option}: cannot make {folder}, since {existing} is {Describe(KindOf(existing)!.Value)}, not a folder; choose another path.");
        }
        string probe = Path.Combine(existing, $".dcgan-write-test-{Environment.ProcessId}");
        try
        {
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{option}: cannot write to {existing} ({e.Message.TrimEnd('.')}); choose a folder you can write to.", e);
        }
    }

    /// <summary>What a path holds, following links; null: nothing.</summary>
    internal static Kind? KindOf(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return Directory.Exists(path) ? Kind.Folder : File.Exists(path) ? Kind.File : null;
        }
        // .NET reports no file types beyond folders and links on Unix; statx(2) does.
        if (UnixStat.Of(path) is not { } entry)
        {
            return UnixStat.Of(path, followLinks: false) is null ? null : Kind.Other; // a link to nothing
        }
        return entry.Type switch
        {
            UnixStat.RegularFile => Kind.File,
            UnixStat.Folder => Kind.Folder,
            UnixStat.CharacterDevice or UnixStat.BlockDevice => Kind.Device,
            UnixStat.Fifo => Kind.Fifo,
            UnixStat.Socket => Kind.Socket,
            _ => Kind.Other,
        };
    }

    /// <summary>Whether two paths name one file: the same path, or (both existing) the same device and inode.</summary>
    private static bool SameFile(string full, string other)
    {
        string otherFull = Path.GetFullPath(other);
        if (full == otherFull)
        {
            return true;
        }
        if (!OperatingSystem.IsLinux() || !File.Exists(full) || !File.Exists(otherFull))
        {
            return false;
        }
        return UnixStat.Of(full) is { } a && UnixStat.Of(otherFull) is { } b && a.Device == b.Device && a.Inode == b.Inode;
    }

    internal static string Describe(Kind kind) => kind switch
    {
        Kind.File => "a file",
        Kind.Folder => "a folder",
        Kind.Device => "a device",
        Kind.Fifo => "a FIFO (named pipe)",
        Kind.Socket => "a socket",
        _ => "a link to nothing or a special file",
    };

    /// <summary>What can stand at a path.</summary>
    internal enum Kind
    {
        File,
        Folder,
        Device,
        Fifo,
        Socket,
        Other,
    }
}
