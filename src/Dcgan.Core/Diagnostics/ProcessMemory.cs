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

    public static long Mebibytes(long bytes) => bytes / (1024 * 1024);
}
