namespace Dcgan.Models;

/// <summary>What the tool sets in its process once, before its first model is made: libtorch's NNPACK off
/// (<see cref="Nnpack"/>), and freed tensor memory kept for reuse (<see cref="HeapReuse"/>).</summary>
internal static class NativeSetup
{
    public static void Ensure()
    {
        Nnpack.EnsureOff();
        HeapReuse.EnsureOn();
    }
}
