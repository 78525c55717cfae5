using System.Globalization;
using System.Runtime.InteropServices;
using TorchSharp;

namespace Dcgan.Diagnostics;

/// <summary>What the arithmetic of a run depends on: the CPU, the instruction set oneDNN (libtorch's convolution
/// library) will use on it, the threads, and the library versions; and, for speed, whether freed tensor memory is
/// reused (<see cref="Models.HeapReuse"/>).</summary>
public sealed record MachineInfo(string Cpu, string OneDnnIsa, int Threads, string TorchSharp, string LibTorch, string DotNet, string Os, bool HeapReuse)
{
    public static MachineInfo Current() => new(
        CpuModel(),
        OneDnnIsaFor(CpuFlags(), Environment.GetEnvironmentVariable("ONEDNN_MAX_CPU_ISA")),
        torch.get_num_threads(),
        typeof(torch).Assembly.GetName().Version?.ToString(3) ?? "?",
        torch.__version__,
        RuntimeInformation.FrameworkDescription,
        RuntimeInformation.OSDescription,
        Models.HeapReuse.IsOn);

    /// <summary>The lines that benchmark and doctor print.</summary>
    public IEnumerable<string> Lines()
    {
        yield return $"CPU: {Cpu}";
        yield return $"oneDNN ISA: {OneDnnIsa}";
        yield return $"threads: {Threads}";
        yield return $"TorchSharp {TorchSharp}, libtorch {LibTorch}, {DotNet}, {Os}";
        yield return HeapReuse ? "memory: freed tensor memory kept for reuse (glibc mallopt)"
            : "memory: freed tensor memory returned to the system (not asked for, not glibc, or MALLOC_* / GLIBC_TUNABLES set): large steps run slower";
    }

    /// <summary>oneDNN's CPU instruction sets from the smallest up, each with the /proc/cpuinfo flags it needs (the
    /// names are those ONEDNN_MAX_CPU_ISA takes).</summary>
    private static readonly (string Isa, string[] Flags)[] Isas =
    [
        ("SSE41", ["sse4_1"]),
        ("AVX", ["avx"]),
        ("AVX2", ["avx2", "fma"]),
        ("AVX2_VNNI", ["avx2", "fma", "avx_vnni"]),
        ("AVX512_CORE", ["avx512f", "avx512bw", "avx512vl", "avx512dq"]),
        ("AVX512_CORE_VNNI", ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512_vnni"]),
        ("AVX512_CORE_BF16", ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512_vnni", "avx512_bf16"]),
        ("AVX512_CORE_FP16", ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512_vnni", "avx512_bf16", "avx512_fp16"]),
        ("AVX512_CORE_AMX", ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512_vnni", "avx512_bf16", "avx512_fp16", "amx_tile", "amx_bf16", "amx_int8"]),
    ];

    /// <summary>The instruction set oneDNN dispatches to: the largest the CPU has, capped by ONEDNN_MAX_CPU_ISA. libtorch
    /// does not export oneDNN's own query, so this is worked out the way oneDNN does it, from the CPU's flags.</summary>
    internal static string OneDnnIsaFor(IReadOnlySet<string> flags, string? cap)
    {
        if (flags.Count == 0)
        {
            return "unknown (no /proc/cpuinfo)";
        }
        int limit = Array.FindIndex(Isas, i => string.Equals(i.Isa, cap?.Trim(), StringComparison.OrdinalIgnoreCase));
        var usable = Isas.Take(limit >= 0 ? limit + 1 : Isas.Length).LastOrDefault(i => i.Flags.All(flags.Contains)).Isa ?? "none (below SSE4.1)";
        return limit >= 0 ? $"{usable} (capped by ONEDNN_MAX_CPU_ISA={cap})"
            : string.IsNullOrWhiteSpace(cap) ? usable
            : $"{usable} (ONEDNN_MAX_CPU_ISA={cap} is not a name oneDNN knows here)";
    }

    internal static IReadOnlySet<string> CpuFlags() =>
        CpuInfoField("flags") is { } flags ? flags.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet() : new HashSet<string>();

    /// <summary>Whether this CPU has bfloat16 instructions (AVX-512 BF16 or AMX); without them oneDNN emulates bfloat16
    /// and bf16 is likely slower than float32. Where /proc/cpuinfo is missing, assumed present.</summary>
    public static bool CpuHasBf16Instructions() =>
        CpuFlags() is var flags && (flags.Count == 0 || flags.Contains("avx512_bf16") || flags.Contains("amx_bf16"));

    /// <summary>The CPU's name, with its family and model numbers where the kernel gives them (virtual machines often
    /// name every AMD EPYC alike; family 25 is Zen 3 and 4, family 26 Zen 5).</summary>
    internal static string CpuModel() =>
        (CpuInfoField("model name") ?? RuntimeInformation.ProcessArchitecture.ToString())
        + (CpuInfoField("cpu family") is { } family && CpuInfoField("model") is { } model ? $" (family {family}, model {model})" : "");

    private static string? CpuInfoField(string name) => FirstProcessor.Value.GetValueOrDefault(name);

    /// <summary>The fields of the first processor in /proc/cpuinfo (read once; empty where there is none).</summary>
    private static readonly Lazy<Dictionary<string, string>> FirstProcessor = new(() =>
    {
        try
        {
            return File.Exists("/proc/cpuinfo")
                ? File.ReadLines("/proc/cpuinfo").TakeWhile(l => l.Trim().Length > 0).Select(l => l.Split(':', 2)).Where(f => f.Length == 2)
                    .GroupBy(f => f[0].Trim()).ToDictionary(g => g.Key, g => g.First()[1].Trim())
                : [];
        }
        catch (IOException)
        {
            return [];
        }
    });

    /// <summary>What a train step of <paramref name="batch"/> images needs, roughly: dcgan benchmark measured 1.2 MB per
    /// image and 0.4 GB besides (fp32, batches of 64 to 2,048); this counts 2 MB and 0.5 GB, for bf16 and the
    /// allocator's slack.</summary>
    internal static long TrainStepBytes(int batch) => (512L << 20) + batch * (2L << 20);

    /// <summary>The memory this machine has free for a new allocation (Linux's MemAvailable; elsewhere what .NET
    /// knows of the machine's total).</summary>
    public static long AvailableBytes()
    {
        const string meminfo = "/proc/meminfo";
        if (File.Exists(meminfo) && File.ReadLines(meminfo).FirstOrDefault(l => l.StartsWith("MemAvailable:", StringComparison.Ordinal)) is { } line
            && long.TryParse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture, out long kibibytes))
        {
            return kibibytes * 1024;
        }
        return GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
    }

    /// <summary>Bytes in words: "820 KB", "2.4 GB" (powers of 1,000, as disks are sold).</summary>
    public static string Describe(long bytes) => bytes switch
    {
        < 1_000_000 => FormattableString.Invariant($"{bytes / 1e3:F0} KB"),
        < 1_000_000_000 => FormattableString.Invariant($"{bytes / 1e6:F0} MB"),
        _ => FormattableString.Invariant($"{bytes / 1e9:F1} GB"),
    };

    /// <summary>Why a train step of <paramref name="batch"/> images cannot be taken on this machine (too little memory
    /// free), in words that follow "the batch size", or null. (A recipe's own limit is <c>Recipe.MaxBatch</c>.)</summary>
    public static string? BatchProblem(int batch)
    {
        long needed = TrainStepBytes(batch), available = AvailableBytes();
        if (needed <= available)
        {
            return null;
        }
        long fits = Math.Max(1, (available - (512L << 20)) / (2L << 20));
        return string.Create(CultureInfo.InvariantCulture,
            $"of {batch} needs about {needed / 1e9:F1} GB for a step, and this machine has {available / 1e9:F1} GB free: at most about {fits} here.");
    }
}
