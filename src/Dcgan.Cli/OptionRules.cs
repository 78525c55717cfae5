using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;
using Dcgan.Models;
using Dcgan.Training;

namespace Dcgan.Cli;

/// <summary>Small checks that System.CommandLine runs while parsing, so a bad value is refused before any work.</summary>
internal static class OptionRules
{
    /// <summary>Refuses a whole number below <paramref name="minimum"/>, in one line (for int and int? options).</summary>
    public static Option<T> AtLeast<T>(this Option<T> option, int minimum, string? why = null)
    {
        option.Validators.Add(result =>
        {
            if (Converted<long>(result, NumberStyles.Integer) is { } value && value < minimum)
            {
                result.AddError($"{option.Name} must be at least {minimum}{why} (got {value}).");
            }
        });
        return option;
    }

    /// <summary>Refuses a whole number above <paramref name="maximum"/>, in one line that says why the limit is there
    /// (the limits and their reasons are the library's: Diagnostics.Sizes).</summary>
    public static Option<T> AtMost<T>(this Option<T> option, long maximum, string why)
    {
        option.Validators.Add(result =>
        {
            if (Converted<long>(result, NumberStyles.Integer) is { } value && value > maximum)
            {
                result.AddError(string.Create(CultureInfo.InvariantCulture, $"{option.Name} must be at most {maximum}: {why} (got {value})."));
            }
        });
        return option;
    }

    /// <summary>Refuses a number outside [<paramref name="minimum"/>, <paramref name="maximum"/>], in one line.</summary>
    public static Option<double> Between(this Option<double> option, double minimum, double maximum, string why)
    {
        option.Validators.Add(result =>
        {
            if (Converted<double>(result, NumberStyles.Float) is { } value && !(value >= minimum && value <= maximum))
            {
                result.AddError(string.Create(CultureInfo.InvariantCulture, $"{option.Name} must be between {minimum} and {maximum}{why} (got {result.Tokens[^1].Value})."));
            }
        });
        return option;
    }

    /// <summary>The number an option was given, or null when it was not given or is not a number of that kind.
    /// Validators run even when the text did not convert; System.CommandLine reports that in one line of its own,
    /// while asking the result for its value would throw (an unhandled exception and exit 134, before this).</summary>
    internal static T? Converted<T>(OptionResult result, NumberStyles style = NumberStyles.Integer) where T : struct, INumber<T> =>
        result.Tokens is [.., { } last] && T.TryParse(last.Value, style, CultureInfo.InvariantCulture, out T value)
            ? value
            : null;

    /// <summary>Accepts only the given values, refusing others in one line (System.CommandLine's own check,
    /// AcceptOnlyFromAmong, lists the choices over several lines).</summary>
    public static Option<string> OneOf(this Option<string> option, params string[] values)
    {
        option.CompletionSources.Add(values);
        option.Validators.Add(result =>
        {
            string? value = result.GetValueOrDefault<string>();
            if (value is not null && !values.Contains(value))
            {
                result.AddError($"{option.Name} must be {string.Join(" or ", values)} (got {value}).");
            }
        });
        return option;
    }

    /// <summary>--precision fp32|bf16. For train it has no default: the recipe's, or a resumed run's own.</summary>
    public static Option<string> PrecisionOption(string? defaultValue = "fp32")
    {
        var option = new Option<string>("--precision")
        {
            Description = "fp32 (the tutorial's arithmetic) or bf16 (mixed precision: faster on CPUs with bf16 instructions)"
                + (defaultValue is null ? "; default: the recipe's (fp32), or a resumed run's own" : ""),
        };
        if (defaultValue is not null)
        {
            option.DefaultValueFactory = _ => defaultValue;
        }
        return option.OneOf("fp32", "bf16");
    }

    /// <summary>--recipe NAME|FILE.json, without a default value (a resumed run keeps its own); <paramref name="defaultNote"/>
    /// says what the command uses when none is given. Every command reads it with <see cref="ToRecipe"/>, so every
    /// command refuses a bad one in the same words.</summary>
    public static Option<string> RecipeOption(string defaultNote)
    {
        var option = new Option<string>("--recipe")
        {
            HelpName = "name|file.json",
            Description = $"How to train: a built-in recipe ('dcgan recipes' lists them) or a recipe file of your own ({defaultNote})",
        };
        option.CompletionSources.Add([.. Recipe.BuiltInNames]);
        return option;
    }

    /// <summary>The recipe a --recipe value names (null for none): a built-in recipe, or a recipe file, read here. A
    /// name that is not a recipe is refused in the library's words (InvalidOptionException).</summary>
    public static Training.Recipe? ToRecipe(string? value) =>
        value is null ? null
        : Recipe.NameProblem(value) is { } problem ? throw new Runs.InvalidOptionException(new("Recipe", "the recipe", problem))
        : Recipe.Resolve(value);

    /// <summary>The precision a --precision value names (null for none); warns when bf16 would be emulated.</summary>
    public static Precision? ToPrecision(string? value)
    {
        if (value is null)
        {
            return null;
        }
        if (value != "bf16")
        {
            return Precision.Fp32;
        }
        if (!Diagnostics.MachineInfo.CpuHasBf16Instructions())
        {
            Console.Error.WriteLine("dcgan: note: this CPU has no bf16 instructions (avx512_bf16, amx_bf16); --precision bf16 will likely be slower than fp32.");
        }
        return Precision.Bf16;
    }
}
