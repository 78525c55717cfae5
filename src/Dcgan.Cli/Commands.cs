using System.CommandLine;
using System.CommandLine.Help;

namespace Dcgan.Cli;

/// <summary>The dcgan command line: every command, each built by its own class.</summary>
internal static class Commands
{
    /// <summary>The widest a help line may be: help is read in terminals, and a wider one wraps badly.</summary>
    public const int HelpWidth = 120;

    public static RootCommand Root()
    {
        var root = new RootCommand("Train, watch and use the DCGAN of TensorFlow's MNIST tutorial, in C# on a CPU.")
        {
            TrainCommand.Create(),
            RecipesCommand.Create(),
            GenerateCommand.Create(),
            DataCommand.Create(),
            ExportCommand.Create(),
            EvaluateCommand.Create(),
            EvaluatorCommand.Create(),
            BenchmarkCommand.Create(),
            RunsCommand.Create(),
            ServeCommand.Create(),
            DoctorCommand.Create(),
        };
        // The help option is the root's, inherited by every command. Unset, its width is the terminal's, or unbounded
        // when the output is a file or a pipe.
        foreach (var help in root.Options.OfType<HelpOption>())
        {
            if (help.Action is HelpAction action)
            {
                action.MaxWidth = Math.Min(HelpWidth, TerminalWidth() ?? HelpWidth);
            }
        }
        return root;
    }

    private static int? TerminalWidth()
    {
        try
        {
            return Console.IsOutputRedirected || Console.WindowWidth < 40 ? null : Console.WindowWidth;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
