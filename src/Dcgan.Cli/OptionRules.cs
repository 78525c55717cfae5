using System.CommandLine;

namespace Dcgan.Cli;

/// <summary>Small checks that System.CommandLine runs while parsing, so a bad value is refused before any work.</summary>
internal static class OptionRules
{
    public static Option<int> AtLeast(this Option<int> option, int minimum)
    {
        option.Validators.Add(result =>
        {
            int value = result.GetValueOrDefault<int>();
            if (value < minimum)
            {
                result.AddError($"{option.Name} must be at least {minimum} (got {value}).");
            }
        });
        return option;
    }
}
