using System.Security.Cryptography;

namespace Dcgan.Data;

/// <summary>The SHA-256 that identifies the data a run was trained on: the count and shape (the channels only for
/// colour, so that a gray set's fingerprint is what it was before colour), then every image's bytes in order. Fed an
/// image at a time, so a set of any size is fingerprinted as it streams past (<see cref="PreparedFolder"/> does it once,
/// while it writes).</summary>
internal sealed class DataFingerprint : IDisposable
{
    private readonly IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public DataFingerprint(int count, int rows, int columns, int channels)
    {
        hash.AppendData(BitConverter.GetBytes(count));
        hash.AppendData(BitConverter.GetBytes(rows));
        hash.AppendData(BitConverter.GetBytes(columns));
        if (channels != 1)
        {
            hash.AppendData(BitConverter.GetBytes(channels));
        }
    }

    public void Append(ReadOnlySpan<byte> pixels) => hash.AppendData(pixels);

    /// <summary>The fingerprint, as lower-case hex.</summary>
    public string Finish() => Convert.ToHexStringLower(hash.GetHashAndReset());

    public void Dispose() => hash.Dispose();
}
