using System.CommandLine;
using Dcgan.Cli;
using Dcgan.Training;

namespace Dcgan.Tests;

/// <summary>Help is read in a terminal: every page fits in one, as the program prints it into a pipe.</summary>
public class HelpTests
{
    /// <summary>Every command's path, the root's included, found from the command tree (no list to keep in step).</summary>
    public static TheoryData<string> CommandPaths()
    {
        var paths = new TheoryData<string> { "" };
        void Walk(Command command, string path)
        {
            foreach (var sub in command.Subcommands)
            {
                string here = (path + " " + sub.Name).Trim();
                paths.Add(here);
                Walk(sub, here);
            }
        }
        Walk(Commands.Root(), "");
        return paths;
    }

    /// <summary>The help page of a command line, printed in-process as the program prints it into a pipe.</summary>
    private static (int ExitCode, string Output) Help(params string[] args)
    {
        using var output = new StringWriter();
        int exitCode = Commands.Root().Parse([.. args, "--help"]).Invoke(new InvocationConfiguration { Output = output, Error = output });
        return (exitCode, output.ToString());
    }

    [Theory]
    [MemberData(nameof(CommandPaths))]
    public void Every_help_line_fits_in_120_columns(string command)
    {
        var (exitCode, output) = Help(command.Split(' ', StringSplitOptions.RemoveEmptyEntries));

        Assert.True(exitCode == 0, output);
        Assert.Contains("Usage:", output);
        var longest = output.Split('\n').MaxBy(l => l.TrimEnd().Length)!.TrimEnd();
        Assert.True(longest.Length <= Commands.HelpWidth, $"{longest.Length} columns: {longest}");
    }

    [Fact]
    public void The_recipe_option_reads_as_a_name_or_a_file_and_points_to_the_list_which_says_what_each_is_for()
    {
        var (_, help) = Help("train");
        var (exitCode, list, err) = DcganProcess.Run([], "recipes");

        Assert.Contains("--recipe <name|file.json>", help);
        Assert.Contains("'dcgan recipes'", help);
        Assert.True(exitCode == 0, err);
        var rows = list.TrimEnd().Split('\n');
        Assert.Equal(Recipe.BuiltIn.Count + 1, rows.Length); // a heading, then a row per recipe
        Assert.All(Recipe.BuiltIn.Zip(rows.Skip(1)), pair =>
        {
            Assert.StartsWith(pair.First.Name + " ", pair.Second);
            Assert.Contains($" {pair.First.BatchSize} ", pair.Second);
            Assert.EndsWith(pair.First.Summary, pair.Second.TrimEnd());
        });
        Assert.All(rows, row => Assert.True(row.Length <= Commands.HelpWidth, row));
    }
}
