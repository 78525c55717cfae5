namespace Dcgan.IO;

/// <summary>A file to read, named by the user: when there is none, says what is there instead (a folder) and what
/// is wanted, rather than that nothing exists.</summary>
internal static class InputFile
{
    /// <summary>Throws InvalidDataException unless <paramref name="path"/> is a file; <paramref name="wanted"/> says
    /// what should be named ("an evaluator file, as evaluator training writes"), <paramref name="ifMissing"/> what
    /// to do when nothing is there.</summary>
    public static void Require(string path, string wanted, string ifMissing)
    {
        if (File.Exists(path))
        {
            return;
        }
        throw new InvalidDataException(Directory.Exists(path)
            ? $"{path} is a folder; name {wanted}."
            : $"{path} does not exist; {ifMissing}");
    }
}
