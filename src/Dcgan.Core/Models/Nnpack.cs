using System.Runtime.InteropServices;

namespace Dcgan.Models;

/// <summary>
/// Turns off libtorch's use of NNPACK, once per process. libtorch asks for NNPACK on every convolution that oneDNN
/// does not take (float64 ones: the self-check's and doctor's references), and on a CPU that NNPACK does not know
/// (AMD Zen 5) each ask prints "Could not initialize NNPACK! Reason: Unsupported hardware." NNPACK only ever takes
/// float32 convolutions that oneDNN declines, which this tool's are not, so no arithmetic changes. TorchSharp has no
/// switch for it, so libtorch's own at::globalContext().setUserEnabledNNPACK(false) is called; where libtorch lacks
/// those symbols (another build), nothing is done.
/// </summary>
internal static class Nnpack
{
    private static readonly Lazy<bool> Disabled = new(Disable);

    /// <summary>Whether NNPACK is off (false where libtorch could not be asked).</summary>
    public static bool EnsureOff() => Disabled.Value;

    /// <summary>Whether it was asked for in this process (<see cref="NativeSetup.Apply"/>).</summary>
    public static bool Asked => Disabled.IsValueCreated;

    private static bool Disable()
    {
        TorchSharp.torch.get_num_threads(); // TorchSharp loads libtorch first, so the library below is the one it uses
        if (!NativeLibrary.TryLoad("libtorch_cpu.so", out var library)
            || !NativeLibrary.TryGetExport(library, "_ZN2at13globalContextEv", out var globalContext)
            || !NativeLibrary.TryGetExport(library, "_ZN2at7Context20setUserEnabledNNPACKEb", out var setEnabled))
        {
            return false;
        }
        unsafe
        {
            var context = ((delegate* unmanaged<IntPtr>)globalContext)();
            ((delegate* unmanaged<IntPtr, byte, void>)setEnabled)(context, 0);
        }
        return true;
    }
}
