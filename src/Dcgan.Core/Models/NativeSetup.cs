namespace Dcgan.Models;

/// <summary>
/// What dcgan's command-line tool sets in its own process, once, before its first model, and what a program built on
/// the library may choose to set too: libtorch's NNPACK off (<see cref="Nnpack"/>: on AMD Zen 5 it prints a warning at
/// every float64 convolution) and freed tensor memory kept in glibc's heap for the next step (<see cref="HeapReuse"/>:
/// 1.2 s a step against 3.4 s at 64x64 on Zen 5). Neither changes a computed value. Both are the whole process's: glibc's
/// malloc then keeps the memory it frees, for every library in the process. The library itself never calls this; a
/// constructor changes nothing outside its object.
/// </summary>
public static class NativeSetup
{
    /// <summary>Turns NNPACK off and freed memory reuse on (where glibc has mallopt and the user set no malloc options
    /// of their own). Calling it again does nothing more.</summary>
    public static void Apply()
    {
        Nnpack.EnsureOff();
        HeapReuse.EnsureOn();
    }

    /// <summary>Whether this process asked for either setting (by <see cref="Apply"/>): false in a program that uses
    /// the library without calling it, whatever models it builds and trains.</summary>
    public static bool Applied => Nnpack.Asked || HeapReuse.Asked;
}
