using System.CommandLine;
using System.CommandLine.Parsing;

namespace Dcgan.Cli;

/// <summary>
/// Turns what goes wrong into one line on stderr and an exit code, never a stack trace: bad files and options
/// are the user's to fix, and the message says how. DCGAN_DEBUG=1 adds the stack trace for bug reports.
/// </summary>
internal static class UserErrors
{
    public const int Failure = 1;
    public const int Usage = 2;          // a bad command line, as most Unix tools report it
    public const int Interrupted = 130;  // 128 + SIGINT, as shells report Ctrl+C

    /// <summary>Parses the command line; a mistake in it is reported in one line per problem and a pointer to
    /// --help, instead of System.CommandLine's default of the whole help page.</summary>
    public static int ParseAndRun(RootCommand root, string[] args)
    {
        var parsed = root.Parse(args);
        if (parsed.Errors.Count == 0)
        {
            return parsed.Invoke();
        }
        foreach (var error in parsed.Errors)
        {
            Console.Error.WriteLine($"dcgan: {InUsersWords(error)}");
        }
        Console.Error.WriteLine($"Run '{HelpCommand(parsed)}' for the options.");
        return Usage;
    }

    /// <summary>Runs a command's action; <paramref name="parsed"/> names the command in pointers to its help.</summary>
    public static int Run(ParseResult parsed, Func<int> action)
    {
        try
        {
            return action();
        }
        catch (OperationCanceledException e)
        {
            Console.Error.WriteLine(e is Runs.TrainingInterruptedException
                ? $"dcgan: {e.Message}"
                : "dcgan: interrupted; checkpoints already written are intact.");
            return Interrupted;
        }
        catch (Runs.InvalidOptionException e)
        {
            // The library names the setting; the command line names its flag: CheckpointEvery is --checkpoint-every.
            string flag = "--" + string.Concat(e.Problem.Setting.Select((ch, i) => char.IsUpper(ch) && i > 0 ? $"-{char.ToLowerInvariant(ch)}" : $"{char.ToLowerInvariant(ch)}"));
            Console.Error.WriteLine($"dcgan: {flag} {e.Problem.Requirement}");
            Console.Error.WriteLine($"Run '{HelpCommand(parsed)}' for the options.");
            return Usage;
        }
        catch (Runs.RunConflictException e)
        {
            string flag = "--" + e.Setting.Replace(' ', '-');
            string orWith = e.Resumable is { } value ? $" (or with {flag} {value})" : "";
            Console.Error.WriteLine($"dcgan: error: {e.Fact}; resume it without {flag}{orWith}, or train into a new --out folder.");
            return Failure;
        }
        catch (Data.DownloadFailedException e)
        {
            Console.Error.WriteLine($"dcgan: error: {e.Message}");
            Console.Error.WriteLine("On the command line: --images FILE names the image file, --data FOLDER a folder or .npz, --mirror URL a mirror.");
            return Failure;
        }
        catch (Runs.RunBusyException e)
        {
            Console.Error.WriteLine($"dcgan: error: {e.Fact}; wait for it, stop it, or choose another --out folder.");
            return Failure;
        }
        catch (Runs.ShapeMismatchException e)
        {
            Console.Error.WriteLine($"dcgan: error: {e.Fact}; resume it with --image-size {e.Saved.Size} --channels {e.Saved.Channels}, or train into a new --out folder.");
            return Failure;
        }
        catch (Data.BadImageException e)
        {
            Console.Error.WriteLine($"dcgan: error: {e.Path} {e.Problem}; remove it, or pass --bad-images skip to leave such files out.");
            return Failure;
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or IOException or UnauthorizedAccessException
                                       or Diagnostics.WrongArithmeticException)
        {
            Console.Error.WriteLine($"dcgan: error: {e.Message}");
            WriteDetails(e);
            return Failure;
        }
        catch (Exception e) when (IsOutOfMemory(e))
        {
            var given = SizeOptions.Where(o => parsed.CommandResult.Children.OfType<OptionResult>().Any(r => r.Option.Name == o)).ToList();
            Console.Error.WriteLine($"dcgan: error: out of memory ({e.Message.Split('\n')[0].Trim()}); " +
                (given.Count > 0 ? $"lower {string.Join(" or ", given)}." : "free some memory, or use a smaller recipe batch (--batch-size)."));
            WriteDetails(e);
            return Failure;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"dcgan: unexpected error ({e.GetType().Name}): {e.Message.Split('\n')[0]} (set DCGAN_DEBUG=1 for details, and please report it)");
            WriteDetails(e);
            return Failure;
        }
    }

    /// <summary>A value that does not convert, said as the range checks say theirs (System.CommandLine names the
    /// CLR type: "Cannot parse argument 'abc' for option '--count' as expected type 'System.Nullable`1[System.Int32]'").</summary>
    private static string InUsersWords(ParseError error)
    {
        if (error.SymbolResult is not OptionResult { Tokens: [.., var token] } result || !error.Message.StartsWith("Cannot parse argument", StringComparison.Ordinal))
        {
            return error.Message;
        }
        var type = Nullable.GetUnderlyingType(result.Option.ValueType) ?? result.Option.ValueType;
        string what = type == typeof(int) ? "a whole number"
            : type == typeof(long) ? "a whole number"
            : type == typeof(double) ? "a number"
            : $"a {type.Name.ToLowerInvariant()}";
        return $"{result.Option.Name} must be {what} (got {token.Value}).";
    }

    /// <summary>"dcgan evaluator train --help", say: the command's whole path.</summary>
    private static string HelpCommand(ParseResult parsed)
    {
        var names = new List<string>();
        for (var result = parsed.CommandResult; result.Command is not RootCommand; result = (CommandResult)result.Parent!)
        {
            names.Insert(0, result.Command.Name);
        }
        return string.Join(' ', ["dcgan", .. names, "--help"]);
    }

    /// <summary>The options whose values set how much memory a command takes.</summary>
    private static readonly string[] SizeOptions = ["--batch-size", "--count", "--eval-count", "--interpolate", "--columns", "--steps", "--warmup", "--images"];

    /// <summary>.NET's own, or libtorch's "DefaultCPUAllocator: can't allocate memory" (an ExternalException).</summary>
    private static bool IsOutOfMemory(Exception e) =>
        e is OutOfMemoryException || (e is System.Runtime.InteropServices.ExternalException && e.Message.Contains("allocate", StringComparison.OrdinalIgnoreCase));

    private static void WriteDetails(Exception e)
    {
        if (Environment.GetEnvironmentVariable("DCGAN_DEBUG") == "1")
        {
            Console.Error.WriteLine(e);
        }
    }
}
