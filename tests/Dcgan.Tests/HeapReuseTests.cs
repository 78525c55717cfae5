using System.Text.Json.Nodes;
using Dcgan.Models;

namespace Dcgan.Tests;

/// <summary>Freed tensor memory kept for the next step (Models/HeapReuse.cs), seen as the kernel counts it: pages a
/// process is given afresh fault in when first touched, and benchmark reports them per step.</summary>
public class HeapReuseTests
{
    /// <summary>The tutorial's step at batch 256 frees and takes again about 170 MiB of tensors. glibc's own settings
    /// hand most of it back each time: 44,000 faults a step measured, 4,400 to 19,000 with the memory kept (Zen 5; the
    /// count moves with the machine's state). So the two are compared, not each against a fixed count: with the memory
    /// kept, fewer than half as many.</summary>
    [LinuxFact]
    public void The_steps_take_their_memory_again_without_faulting_it_in_afresh()
    {
        double kept = Faults([], kept: true);
        double own = Faults(new() { ["GLIBC_TUNABLES"] = "glibc.malloc.check=0" }, kept: false); // the user's setting stands: glibc's own

        // Where the kernel backs all memory with huge pages (transparent_hugepage [always]) faults are few either way.
        Assert.True(kept * 2 < own || HugePagesAlways, $"{kept:F0} pages faulted in a step with the memory kept, {own:F0} with glibc's own settings");

        static double Faults(Dictionary<string, string> environment, bool kept)
        {
            var (exitCode, output, errors) = DcganProcess.Run(environment, "benchmark", "--steps", "3", "--warmup", "1", "--json");
            Assert.True(exitCode == 0, errors);
            var json = JsonNode.Parse(output)!;
            Assert.Equal(kept, (bool)json["machine"]!["HeapReuse"]!);
            return (double)json["result"]!["PageFaultsPerStep"]!;
        }
    }

    private static bool HugePagesAlways =>
        File.Exists(TransparentHugePages) && File.ReadAllText(TransparentHugePages).Contains("[always]", StringComparison.Ordinal);

    private const string TransparentHugePages = "/sys/kernel/mm/transparent_hugepage/enabled";

    [Theory]
    [InlineData(null, null, null, false)]
    [InlineData("65536", null, null, true)]
    [InlineData(null, "0", null, true)]
    [InlineData(null, null, "glibc.malloc.mmap_threshold=65536", true)]
    [InlineData(null, null, "glibc.cpu.hwcaps=-AVX2", false)]
    public void The_users_own_malloc_settings_stand(string? mmap, string? trim, string? tunables, bool userSets)
    {
        var environment = new Dictionary<string, string?> { ["MALLOC_MMAP_THRESHOLD_"] = mmap, ["MALLOC_TRIM_THRESHOLD_"] = trim, ["GLIBC_TUNABLES"] = tunables };

        Assert.Equal(userSets, HeapReuse.UserSetsMalloc(name => environment.GetValueOrDefault(name)));
    }
}
