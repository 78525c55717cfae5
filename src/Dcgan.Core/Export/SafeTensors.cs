using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dcgan.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace Dcgan.Export;

/// <summary>
/// The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian header length, a
/// JSON header naming each tensor's dtype, shape and byte range, then the raw little-endian data. No maintained
/// .NET package writes it, and the format is small enough to write here.
/// </summary>
public static class SafeTensors
{
    private static readonly Dictionary<ScalarType, string> DtypeNames = new()
    {
        [ScalarType.Float32] = "F32",
        [ScalarType.Float64] = "F64",
        [ScalarType.Int64] = "I64",
        [ScalarType.Int32] = "I32",
        [ScalarType.Byte] = "U8",
    };

    public static void Write(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
        {
            header["__metadata__"] = new JsonObject(metadata.Select(m => KeyValuePair.Create(m.Key, (JsonNode?)JsonValue.Create(m.Value))));
        }
        var blobs = new List<byte[]>();
        long offset = 0;
        foreach (var (name, tensor) in tensors.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            if (!DtypeNames.TryGetValue(tensor.dtype, out string? dtype))
            {
                throw new ArgumentException($"{name}: {tensor.dtype} tensors cannot be exported.");
            }
            byte[] bytes = Bytes(tensor);
            header[name] = new JsonObject
            {
                ["dtype"] = dtype,
                ["shape"] = new JsonArray([.. tensor.shape.Select(d => (JsonNode?)JsonValue.Create(d))]),
                ["data_offsets"] = new JsonArray(offset, offset + bytes.Length),
            };
            blobs.Add(bytes);
            offset += bytes.Length;
        }
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (json.Length + 7) / 8 * 8; // the format pads the header with spaces to 8 bytes
        AtomicFile.Write(path, stream =>
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
            stream.Write(length);
            stream.Write(json);
            stream.Write(Enumerable.Repeat((byte)' ', padded - json.Length).ToArray());
            foreach (byte[] blob in blobs)
            {
                stream.Write(blob);
            }
        });
    }

    /// <summary>Reads every tensor of a safetensors file.</summary>
    public static Dictionary<string, Tensor> Read(string path)
    {
        byte[] file = File.ReadAllBytes(path);
        if (file.Length < 8)
        {
            throw new InvalidDataException($"{path} is too short to be a safetensors file.");
        }
        long headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(file);
        if (headerLength <= 0 || 8 + headerLength > file.Length)
        {
            throw new InvalidDataException($"{path} is not a safetensors file (its header length {headerLength} does not fit the file).");
        }
        var header = JsonNode.Parse(file.AsSpan(8, (int)headerLength))!.AsObject();
        var names = DtypeNames.ToDictionary(d => d.Value, d => d.Key);
        var result = new Dictionary<string, Tensor>();
        foreach (var (name, node) in header)
        {
            if (name == "__metadata__")
            {
                continue;
            }
            var entry = node!.AsObject();
            var type = names[entry["dtype"]!.GetValue<string>()];
            long[] shape = [.. entry["shape"]!.AsArray().Select(d => d!.GetValue<long>())];
            var offsets = entry["data_offsets"]!.AsArray();
            long begin = offsets[0]!.GetValue<long>(), end = offsets[1]!.GetValue<long>();
            var data = file.AsSpan((int)(8 + headerLength + begin), (int)(end - begin));
            result[name] = FromBytes(data, type, shape);
        }
        return result;
    }

    // x86-64 and arm64 are little-endian, as the format is, so the bytes are the values' own.
    private static byte[] Bytes(Tensor tensor)
    {
        using var contiguous = tensor.detach().contiguous();
        return tensor.dtype switch
        {
            ScalarType.Float32 => MemoryMarshal.AsBytes(contiguous.data<float>().ToArray().AsSpan()).ToArray(),
            ScalarType.Float64 => MemoryMarshal.AsBytes(contiguous.data<double>().ToArray().AsSpan()).ToArray(),
            ScalarType.Int64 => MemoryMarshal.AsBytes(contiguous.data<long>().ToArray().AsSpan()).ToArray(),
            ScalarType.Int32 => MemoryMarshal.AsBytes(contiguous.data<int>().ToArray().AsSpan()).ToArray(),
            _ => contiguous.data<byte>().ToArray(),
        };
    }

    private static Tensor FromBytes(ReadOnlySpan<byte> data, ScalarType type, long[] shape) => type switch
    {
        ScalarType.Float32 => torch.tensor(MemoryMarshal.Cast<byte, float>(data).ToArray(), shape),
        ScalarType.Float64 => torch.tensor(MemoryMarshal.Cast<byte, double>(data).ToArray(), shape),
        ScalarType.Int64 => torch.tensor(MemoryMarshal.Cast<byte, long>(data).ToArray(), shape),
        ScalarType.Int32 => torch.tensor(MemoryMarshal.Cast<byte, int>(data).ToArray(), shape),
        _ => torch.tensor(data.ToArray(), shape),
    };

    /// <summary>The header as text, for messages and tests.</summary>
    public static string HeaderJson(string path)
    {
        using var stream = File.OpenRead(path);
        Span<byte> length = stackalloc byte[8];
        stream.ReadExactly(length);
        var json = new byte[BinaryPrimitives.ReadUInt64LittleEndian(length)];
        stream.ReadExactly(json);
        return JsonSerializer.Serialize(JsonNode.Parse(json));
    }
}
