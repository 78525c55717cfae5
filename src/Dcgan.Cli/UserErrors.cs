using System.CommandLine;

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
            Console.Error.WriteLine($"dcgan: {error.Message}");
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
            Console.Error.WriteLine($"dcgan: error: {e.RunPath} holds a run with {e.Setting} {e.Saved}; resume it without {flag}{orWith}, or train into a new --out folder.");
            return Failure;
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or IOException or UnauthorizedAccessException
                                       or Diagnostics.WrongArithmeticException)
        {
            Console.Error.WriteLine($"dcgan: error: {e.Message}");
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

    /// <summary>"dcgan evaluator train --help", say: the command's whole path.</summary>
    private static string HelpCommand(ParseResult parsed)
    {
        var names = new List<string>();
        for (var result = parsed.CommandResult; result.Command is not RootCommand; result = (System.CommandLine.Parsing.CommandResult)result.Parent!)
        {
            names.Insert(0, result.Command.Name);
        }
        return string.Join(' ', ["dcgan", .. names, "--help"]);
    }

    private static void WriteDetails(Exception e)
    {
        if (Environment.GetEnvironmentVariable("DCGAN_DEBUG") == "1")
        {
            Console.Error.WriteLine(e);
        }
    }
}
