using System.Diagnostics;

namespace Dcgan.Diagnostics;

/// <summary>This process's resident memory (RSS), which counts libtorch's native allocations as well as .NET's.</summary>
internal static class ProcessMemory
{
    public static long Resident()
    {
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64;
    }

    /// <summary>The highest resident memory so far (VmHWM on Linux).</summary>
    public static long PeakResident()
    {
        using var process = Process.GetCurrentProcess();
        return process.PeakWorkingSet64;
    }

    /// <summary>The minor page faults this process has taken so far (field 10 of /proc/self/stat, after the command's
    /// name): each is a page of memory the kernel gave afresh and the process touched. Null where there is no /proc.</summary>
    public static long? MinorFaults()
    {
        if (!File.Exists("/proc/self/stat"))
        {
            return null;
        }
        string stat = File.ReadAllText("/proc/self/stat");
        return long.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[7], System.Globalization.CultureInfo.InvariantCulture);
    }

    public static long Mebibytes(long bytes) => bytes / (1024 * 1024);
}
