using System.IO.Compression;
using System.Security.Cryptography;

namespace Dcgan.Data;

/// <summary>Whether data was checked against its published checksum.</summary>
public enum ChecksumStatus
{
    /// <summary>A published checksum matches.</summary>
    Verified,
    /// <summary>A published checksum exists for this form of the file, and it differs.</summary>
    Mismatch,
    /// <summary>No published checksum applies to this form of the file (a recompressed copy of a file whose
    /// content hash nobody published, say); its structure is still checked when it is read.</summary>
    Unknown,
}

internal sealed record ChecksumCheck(ChecksumStatus Status, string Detail);

internal static class Checksums
{
    /// <summary>MD5 identifies files here (the published checksums of MNIST are MD5s); it guards against damage,
    /// not against an attacker, which SHA-256 of the content does where it is known.</summary>
#pragma warning disable CA5351 // MD5 is what the datasets' publishers give
    public static string Md5(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(MD5.HashData(stream));
    }
#pragma warning restore CA5351

    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>SHA-256 of the decompressed bytes (of the bytes themselves for a raw file).</summary>
    public static string ContentSha256(string path)
    {
        using var stream = File.OpenRead(path);
        int b0 = stream.ReadByte(), b1 = stream.ReadByte();
        stream.Position = 0;
        if (b0 == 0x1f && b1 == 0x8b)
        {
            using var gzip = new GZipStream(stream, CompressionMode.Decompress);
            return Convert.ToHexStringLower(SHA256.HashData(gzip));
        }
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>Checks a local copy of <paramref name="expected"/>: the published .gz as is, or any copy (raw or
    /// recompressed) whose content hash is known.</summary>
    public static ChecksumCheck Check(string path, DatasetFile expected)
    {
        if (expected.GzipMd5 is { } md5 && Md5(path) == md5)
        {
            return new(ChecksumStatus.Verified, "MD5 of the published .gz matches");
        }
        if (expected.ContentSha256 is { } sha)
        {
            string actual;
            try
            {
                actual = ContentSha256(path);
            }
            catch (InvalidDataException)
            {
                return new(ChecksumStatus.Mismatch, "not a valid gzip file");
            }
            return actual == sha
                ? new(ChecksumStatus.Verified, "SHA-256 of the content matches")
                : new(ChecksumStatus.Mismatch, $"SHA-256 of the content is {actual[..12]}..., expected {sha[..12]}...");
        }
        return new(ChecksumStatus.Unknown, "not the published .gz, and no checksum of its content is published");
    }
}
