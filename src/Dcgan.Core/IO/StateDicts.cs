using TorchSharp;
using static TorchSharp.torch;

namespace Dcgan.IO;

/// <summary>
/// Model weights as a name -> tensor map, written as a count and (name, tensor) pairs. We check names and shapes
/// ourselves before copying anything, so a file of another architecture is refused with a message that names the
/// first tensor that does not fit, and leaves the model untouched.
/// </summary>
internal static class StateDicts
{
    public static void Write(BinaryWriter writer, nn.Module module)
    {
        var state = module.state_dict();
        writer.Write(state.Count);
        foreach (var (name, tensor) in state)
        {
            writer.Write(name);
            tensor.Save(writer);
        }
    }

    public static Dictionary<string, Tensor> Read(BinaryReader reader)
    {
        int count = reader.ReadInt32();
        if (count is < 0 or > 10_000)
        {
            throw new InvalidDataException($"a weight table claims {count} tensors");
        }
        var state = new Dictionary<string, Tensor>(count);
        for (int i = 0; i < count; i++)
        {
            string name = reader.ReadString();
            state[name] = TensorExtensionMethods.Load(reader);
        }
        return state;
    }

    /// <summary>Copies <paramref name="state"/> into <paramref name="module"/> if every name and shape matches;
    /// otherwise throws with the first difference, and changes nothing.</summary>
    public static void LoadInto(nn.Module module, IReadOnlyDictionary<string, Tensor> state, string what)
    {
        var own = module.state_dict();
        if (own.Keys.FirstOrDefault(k => !state.ContainsKey(k)) is { } missing)
        {
            throw new InvalidDataException($"its {what} lacks tensor '{missing}'");
        }
        if (state.Keys.FirstOrDefault(k => !own.ContainsKey(k)) is { } unexpected)
        {
            throw new InvalidDataException($"its {what} has a tensor '{unexpected}' that this model does not");
        }
        foreach (var (name, tensor) in own)
        {
            if (!tensor.shape.SequenceEqual(state[name].shape) || tensor.dtype != state[name].dtype)
            {
                throw new InvalidDataException(
                    $"its {what} tensor '{name}' is {state[name].dtype} [{string.Join(", ", state[name].shape)}], this model's is {tensor.dtype} [{string.Join(", ", tensor.shape)}]");
            }
        }
        using var noGrad = torch.no_grad();
        foreach (var (name, tensor) in own)
        {
            tensor.copy_(state[name]);
        }
    }
}
