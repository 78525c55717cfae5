using System.Text.Json.Nodes;
using Dcgan.Models;

namespace Dcgan.Tests;

/// <summary>Freed tensor memory kept for the next step (Models/HeapReuse.cs), seen as the kernel counts it: pages a
/// process is given afresh fault in when first touched, and benchmark reports them per step.</summary>
public class HeapReuseTests
{
    /// <summary>dcgan keeps freed memory for reuse unless the user set glibc's malloc, and says which in its machine
    /// record. What it saves (page faults per step: 44,000 with glibc's own settings, 4,400 to 19,000 kept, on Zen 5)
    /// moves with the machine and its load, so benchmark reports it (docs/performance.md) and no test asserts it.</summary>
    [LinuxFact]
    public void Freed_memory_is_kept_for_reuse_unless_the_user_set_malloc()
    {
        Assert.True(HeapReuseOf([]));
        Assert.False(HeapReuseOf(new() { ["GLIBC_TUNABLES"] = "glibc.malloc.check=0" }));

        static bool HeapReuseOf(Dictionary<string, string> environment)
        {
            var (exitCode, output, errors) = DcganProcess.Run(environment, "benchmark", "--steps", "3", "--warmup", "1", "--json");
            Assert.True(exitCode == 0, errors);
            var json = JsonNode.Parse(output)!;
            Assert.True((double)json["result"]!["PageFaultsPerStep"]! >= 0);
            return (bool)json["machine"]!["HeapReuse"]!;
        }
    }

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
