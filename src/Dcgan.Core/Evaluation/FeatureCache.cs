using System.Security.Cryptography;
using System.Text;
using Dcgan.IO;
using TorchSharp;

namespace Dcgan.Evaluation;

/// <summary>
/// Features of real images, kept so that the next evaluation against the same images skips computing them (minutes
/// for thousands of images on ImageNet's network). A file a key, in the data cache's features/ folder: the key hashes
/// what the features depend on (the network, the data's fingerprint and shape, which images were taken); the file is
/// the SHA-256 of its payload, then rows and columns (int32) and the float32 values, written atomically. A file whose
/// seal does not match is computed again and replaced.
/// </summary>
internal sealed class FeatureCache(string cacheFolder)
{
    public string Folder { get; } = Path.Combine(cacheFolder, "features");

    /// <summary>The features under <paramref name="key"/>: read when kept and whole, else computed and kept.</summary>
    public torch.Tensor Of(string key, Func<torch.Tensor> compute)
    {
        string path = Path.Combine(Folder, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..24] + ".features");
        if (Read(path) is { } kept)
        {
            return kept;
        }
        var features = compute();
        using var contiguous = features.to(torch.float32).contiguous();
        var payload = new byte[8 + contiguous.shape[0] * contiguous.shape[1] * 4];
        BitConverter.TryWriteBytes(payload.AsSpan(0), (int)contiguous.shape[0]);
        BitConverter.TryWriteBytes(payload.AsSpan(4), (int)contiguous.shape[1]);
        contiguous.bytes.CopyTo(payload.AsSpan(8));
        AtomicFile.Write(path, stream =>
        {
            stream.Write(SHA256.HashData(payload));
            stream.Write(payload);
        });
        return features;
    }

    private static torch.Tensor? Read(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }
        byte[] file = File.ReadAllBytes(path);
        if (file.Length < 40 || !SHA256.HashData(file.AsSpan(32)).AsSpan().SequenceEqual(file.AsSpan(0, 32)))
        {
            return null;
        }
        int rows = BitConverter.ToInt32(file, 32), columns = BitConverter.ToInt32(file, 36);
        var values = new float[(long)rows * columns];
        Buffer.BlockCopy(file, 40, values, 0, values.Length * 4);
        return torch.tensor(values, new long[] { rows, columns });
    }
}
