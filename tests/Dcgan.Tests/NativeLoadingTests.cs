using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using TorchSharp;

namespace Dcgan.Tests;

/// <summary>The build's GLIBCXX fix (build/WeakenGlibcxx.targets), checked on the copy the tests themselves load.</summary>
public class NativeLoadingTests
{
    [Fact]
    public void Torch_loads_and_computes()
    {
        using var a = torch.tensor(new[] { 1f, 2f, 3f });
        Assert.Equal(14f, a.dot(a).item<float>());
    }

    [LinuxFact]
    public void Shim_requires_GLIBCXX_3_4_32_only_weakly()
    {
        string shim = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

        var flags = VersionNeedFlags(File.ReadAllBytes(shim));

        Assert.Equal(0x2, flags["GLIBCXX_3.4.32"]);          // VER_FLG_WEAK
        Assert.Equal(0x0, flags["GLIBCXX_3.4.30"]);          // every other requirement untouched
        Assert.DoesNotContain(flags, f => f.Key != "GLIBCXX_3.4.32" && f.Value != 0);
    }

    /// <summary>Each version the ELF file needs (Elf64_Vernaux entries of .gnu.version_r) with its flags.</summary>
    private static Dictionary<string, int> VersionNeedFlags(byte[] elf)
    {
        var le = BinaryPrimitives.ReadUInt32LittleEndian;
        long sectionTable = BinaryPrimitives.ReadInt64LittleEndian(elf.AsSpan(0x28));
        int entrySize = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(0x3A));
        int sections = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(0x3C));
        var result = new Dictionary<string, int>();
        for (int s = 0; s < sections; s++)
        {
            var header = elf.AsSpan((int)(sectionTable + s * entrySize));
            if (le(header[4..]) != 0x6ffffffe) // SHT_GNU_verneed
            {
                continue;
            }
            int strings = (int)BinaryPrimitives.ReadInt64LittleEndian(
                elf.AsSpan((int)(sectionTable + le(header[0x28..]) * entrySize) + 0x18));
            int need = (int)BinaryPrimitives.ReadInt64LittleEndian(header[0x18..]);
            while (true)
            {
                int aux = need + (int)le(elf.AsSpan(need + 8));
                for (int a = 0; a < BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(need + 2)); a++)
                {
                    int name = strings + (int)le(elf.AsSpan(aux + 8));
                    string version = Encoding.ASCII.GetString(elf, name, Array.IndexOf(elf, (byte)0, name) - name);
                    result[version] = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(aux + 4));
                    aux += (int)le(elf.AsSpan(aux + 12));
                }
                if (le(elf.AsSpan(need + 12)) == 0)
                {
                    break;
                }
                need += (int)le(elf.AsSpan(need + 12));
            }
        }
        return result;
    }
}

/// <summary>A test of something only Linux has: reported as skipped elsewhere, not as passed.</summary>
public sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute()
    {
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
        {
            Skip = "Linux only: the GLIBCXX fix and the problem it fixes exist on Linux alone.";
        }
    }
}
