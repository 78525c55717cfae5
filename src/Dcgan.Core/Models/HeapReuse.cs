using System.Runtime.InteropServices;

namespace Dcgan.Models;

/// <summary>
/// Keeps the memory of freed tensors in glibc's heap for the next step to reuse, once per process. glibc serves an
/// allocation above its mmap threshold (which adapts, but never past 32 MiB) with fresh pages from the kernel and
/// hands them back when it is freed, so every train step faults its largest tensors in again, page by page: the
/// paper's discriminator at 64x64 and batch 128 has activations of exactly 32 MiB. Raising the threshold and never
/// trimming the heap measured 3.4 s a step against 1.2 s (64x64 colour), 0.70 s against 0.45 s (the tutorial's)
/// on Zen 5 (docs/performance.md); the values computed are the same, only where their memory comes from changes.
/// PyTorch's advice for the same cost is jemalloc or tcmalloc; mallopt needs no other library. Nothing is done
/// where the C library has no mallopt (not glibc) or where the user set glibc's malloc options themselves.
/// </summary>
internal static class HeapReuse
{
    // glibc's malloc.h.
    private const int MallocTrimThreshold = -1, MallocTopPad = -2, MallocMmapThreshold = -3;

    /// <summary>Allocations up to this size come from the heap (larger ones, which no step here makes, from mmap).</summary>
    private const int MmapThreshold = 1 << 30;

    /// <summary>glibc's heaps for threads other than the main one are this large (2 x 32 MiB); a top pad as large keeps
    /// one that a free leaves empty from being unmapped (arena.c's heap_trim), for threads as for the main heap.</summary>
    private const int ThreadHeapSize = 64 << 20;

    private static readonly Lazy<bool> On = new(TurnOn);

    /// <summary>Whether freed memory is kept for reuse (false where mallopt is missing or refused, or the user's own
    /// malloc settings stand).</summary>
    public static bool EnsureOn() => On.Value;

    /// <summary>Whether it was asked for in this process (<see cref="NativeSetup.Apply"/>).</summary>
    public static bool Asked => On.IsValueCreated;

    /// <summary>Whether freed memory is kept for reuse in this process: asked for and granted.</summary>
    public static bool IsOn => Asked && On.Value;

    /// <summary>The environment variables through which a user sets glibc's malloc, whose choice stands.</summary>
    internal static bool UserSetsMalloc(Func<string, string?> environment) =>
        environment("MALLOC_MMAP_THRESHOLD_") is not null || environment("MALLOC_TRIM_THRESHOLD_") is not null
        || environment("GLIBC_TUNABLES") is { } tunables && tunables.Contains("glibc.malloc.", StringComparison.Ordinal);

    private static bool TurnOn()
    {
        if (UserSetsMalloc(Environment.GetEnvironmentVariable)
            || !NativeLibrary.TryLoad("libc.so.6", out var libc) || !NativeLibrary.TryGetExport(libc, "mallopt", out var mallopt))
        {
            return false;
        }
        unsafe
        {
            var set = (delegate* unmanaged<int, int, int>)mallopt;
            return set(MallocMmapThreshold, MmapThreshold) == 1 & set(MallocTrimThreshold, int.MaxValue) == 1 & set(MallocTopPad, ThreadHeapSize) == 1;
        }
    }
}
