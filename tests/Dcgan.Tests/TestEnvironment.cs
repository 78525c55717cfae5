using System.Runtime.CompilerServices;

namespace Dcgan.Tests;

/// <summary>The tests' own data cache: a folder of images read through the library (or by a dcgan process the tests
/// start, which inherits the variable) is prepared there, never in the user's ~/.cache/dcgan. A test that names its
/// own DCGAN_DATA keeps it.</summary>
internal static class TestEnvironment
{
    public static string CacheFolder { get; } = Path.Combine(Path.GetTempPath(), $"dcgan-tests-cache-{Environment.ProcessId}");

#pragma warning disable CA2255 // a test assembly's own setting, before any test runs
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void UseOwnCache()
    {
        Models.NativeSetup.Apply(); // as dcgan's CLI does in its process: NNPACK off, freed memory reused
        if (Environment.GetEnvironmentVariable("DCGAN_DATA") is null or "")
        {
            Environment.SetEnvironmentVariable("DCGAN_DATA", CacheFolder);
            AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            {
                try
                {
                    Directory.Delete(CacheFolder, recursive: true);
                }
                catch (IOException)
                {
                }
            };
        }
    }
}
