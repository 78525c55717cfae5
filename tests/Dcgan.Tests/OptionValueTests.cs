using System.CommandLine;
using Dcgan.Cli;

namespace Dcgan.Tests;

/// <summary>Every numeric option of every command, given a value that is not a number or does not fit: a usage
/// error in one line (the parser's, or a rule's), never an exception.</summary>
public class OptionValueTests
{
    private static readonly Type[] Numeric = [typeof(int), typeof(int?), typeof(long), typeof(long?), typeof(double), typeof(double?)];

    /// <summary>Each command's path from the root ("generate", "evaluator train") with its numeric options.</summary>
    private static IEnumerable<(string[] Path, Option Option)> NumericOptions(Command command, string[] path)
    {
        foreach (var option in command.Options.Where(o => Numeric.Contains(o.ValueType)))
        {
            yield return (path, option);
        }
        foreach (var sub in command.Subcommands)
        {
            foreach (var found in NumericOptions(sub, [.. path, sub.Name]))
            {
                yield return found;
            }
        }
    }

    [Fact]
    public void Every_numeric_option_refuses_text_and_overflow_in_one_line()
    {
        var root = Commands.Root();
        var options = NumericOptions(root, []).ToList();
        Assert.True(options.Count >= 15, $"found only {options.Count} numeric options"); // the walk reaches every command

        foreach (var (path, option) in options)
        {
            foreach (string bad in new[] { "abc", "1.5x", "99999999999999999999999", "" })
            {
                var parsed = root.Parse([.. path, option.Name, bad]);
                string label = $"{string.Join(' ', path)} {option.Name} '{bad}'";
                Assert.True(parsed.Errors.Count > 0, $"{label} was accepted");
                Assert.All(parsed.Errors, e => Assert.DoesNotContain('\n', e.Message));
            }
        }
    }

    [Fact]
    public void Whole_number_options_refuse_fractions_and_values_below_their_minimum()
    {
        var root = Commands.Root();
        string[][] refused =
        [
            ["train", "--epochs", "1.5"], ["train", "--checkpoint-every", "1.5"], ["generate", "--count", "0"],
            ["generate", "--interpolate", "1"], ["benchmark", "--steps", "2"], ["evaluate", "--count", "19"],
            ["runs", "--evaluations", "--score-target", "11"], ["runs", "--evaluations", "--score-target", "-1"],
        ];
        foreach (var args in refused)
        {
            Assert.True(root.Parse(args).Errors.Count > 0, string.Join(' ', args));
        }
        Assert.Empty(root.Parse(["train", "--epochs", "3", "--keep", "1", "--eval-every", "2"]).Errors);
        Assert.Empty(root.Parse(["runs", "--evaluations", "--score-target", "9.5"]).Errors);
    }

    [Theory] // train's ranges are the library's (TrainOptions.Problem); the program names the flag
    [InlineData("--epochs", "0", "--epochs must be at least 1 (got 0).")]
    [InlineData("--batch-size", "0", "--batch-size must be at least 1 (got 0).")]
    [InlineData("--checkpoint-every", "-1", "--checkpoint-every must be at least 1 (got -1)")]
    [InlineData("--keep", "0", "--keep must be at least 1 (got 0).")]
    [InlineData("--eval-every", "-3", "--eval-every must be at least 1 (got -3).")]
    [InlineData("--recipe", "fastest", "--recipe fastest is not a recipe; the recipes are tutorial, ")]
    [InlineData("--recipe", "adam-b0-ema-b64-nodrop-r1", "--recipe adam-b0-ema-b64-nodrop-r1 is now called improved")]
    [InlineData("--recipe", "dcgan-ema", "--recipe dcgan-ema is no longer built in: it is an experiment, kept as docs/experiments/recipes/dcgan-ema.json")]
    public void Train_refuses_values_out_of_range_with_the_flag_named(string option, string value, string message)
    {
        var (exitCode, _, err) = DcganProcess.Run([], "train", option, value, "--images", "none.idx", "--out", Path.GetTempPath());

        Assert.Equal(2, exitCode);
        Assert.StartsWith($"dcgan: {message}", err); // before the missing images are even looked for
        Assert.Equal(2, err.TrimEnd().Split('\n').Length);
    }

    [Theory]
    [InlineData("generate", "--weights", "best", "--weights must be ema or raw (got best).")]
    [InlineData("generate", "--bn", "running", "--bn must be moving or precise or batch (got running).")]
    [InlineData("evaluate", "--bn", "none", "--bn must be moving or precise or batch (got none).")]
    [InlineData("export", "--weights", "x", "--weights must be ema or raw (got x).")]
    public void Sampling_choices_are_refused_in_one_line(string command, string option, string value, string message)
    {
        var errors = Commands.Root().Parse([command, option, value, "--run", "r", "--out", "o"]).Errors;

        Assert.Contains(errors, e => e.Message == message);
    }

    [Theory]
    [InlineData("train", "--epochs", "abc", "a whole number")]
    [InlineData("train", "--checkpoint-every", "1.5", "a whole number")]
    [InlineData("train", "--seed", "x", "a whole number")]
    [InlineData("generate", "--count", "abc", "a whole number", "--run", "r", "--out", "g.png")]
    [InlineData("benchmark", "--steps", "abc", "a whole number")]
    public void A_value_that_is_not_a_number_is_refused_in_the_words_of_the_range_checks(string command, string option, string value, string what,
        params string[] rest)
    {
        var (exitCode, _, err) = DcganProcess.Run([], [command, option, value, .. rest]);

        Assert.Equal(2, exitCode);
        Assert.StartsWith($"dcgan: {option} must be {what} (got {value}).", err);
        Assert.DoesNotContain("System.", err);
        Assert.DoesNotContain("   at ", err);
    }
}
