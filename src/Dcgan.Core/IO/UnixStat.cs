using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Dcgan.IO;

/// <summary>
/// What statx(2) says of a path: its type, inode and device, which .NET does not report on Unix (it knows folders and
/// links, not devices, FIFOs or sockets). Written by hand because the binding library that reads them, Mono.Unix, is
/// published only under prerelease versions, which a stable package cannot depend on (NU5104); statx's struct has one
/// layout on every Linux architecture, so a byte buffer and three offsets are all it takes. Linux only (callers ask
/// .NET elsewhere); null where there is nothing at the path.
/// </summary>
internal static partial class UnixStat
{
    public readonly record struct Entry(int Type, ulong Inode, ulong Device);

    public const int Fifo = 0x1000, CharacterDevice = 0x2000, Folder = 0x4000, BlockDevice = 0x6000, RegularFile = 0x8000,
        Link = 0xA000, Socket = 0xC000;

    private const int CurrentFolder = -100;       // AT_FDCWD
    private const int DoNotFollowLinks = 0x100;   // AT_SYMLINK_NOFOLLOW
    private const uint TypeInodeAndMode = 0x7FF;  // STATX_BASIC_STATS

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int folder, string path, int flags, uint mask, [Out] byte[] result);

    /// <summary>The entry at <paramref name="path"/>, following links unless asked not to.</summary>
    public static Entry? Of(string path, bool followLinks = true)
    {
        var result = new byte[256]; // sizeof(struct statx)
        if (Statx(CurrentFolder, path, followLinks ? 0 : DoNotFollowLinks, TypeInodeAndMode, result) != 0)
        {
            return null;
        }
        var bytes = result.AsSpan();
        int mode = BinaryPrimitives.ReadUInt16LittleEndian(bytes[28..]);    // stx_mode
        ulong inode = BinaryPrimitives.ReadUInt64LittleEndian(bytes[32..]); // stx_ino
        ulong device = (ulong)BinaryPrimitives.ReadUInt32LittleEndian(bytes[136..]) << 32 | BinaryPrimitives.ReadUInt32LittleEndian(bytes[140..]);
        return new Entry(mode & 0xF000, inode, device);
    }
}
