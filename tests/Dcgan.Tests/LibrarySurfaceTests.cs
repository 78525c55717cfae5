using System.Text.RegularExpressions;
using Dcgan.Training;

namespace Dcgan.Tests;

/// <summary>The library speaks its own words, not the command line's, and shows only what a user of it needs.</summary>
public partial class LibrarySurfaceTests
{
    [GeneratedRegex(@"--[a-z]")]
    private static partial Regex Flag();

    [Fact]
    public void No_source_or_data_file_of_the_library_names_a_command_line_flag()
    {
        string core = Fixtures.RepositoryFile("src/Dcgan.Core");
        var files = Directory.EnumerateFiles(core, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".json", StringComparison.Ordinal))
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal))
            .ToList();

        var flagged = files.SelectMany(f => File.ReadLines(f).Select((line, i) => (f, i, line)))
            .Where(x => Flag().IsMatch(x.line))
            .Select(x => $"{Path.GetRelativePath(core, x.f)}:{x.i + 1}: {x.line.Trim()}");

        Assert.True(files.Count > 50, "the library's files were found");
        Assert.Empty(flagged);
    }

    /// <summary>docs/library.md lists the public types, one line each: the list and the assembly agree.</summary>
    [Fact]
    public void The_public_types_are_the_ones_docs_library_md_lists_and_at_most_84()
    {
        var exported = typeof(Gan).Assembly.GetExportedTypes().Where(t => !t.IsNested).Select(t => t.Name).Order().ToList();
        var listed = File.ReadLines(Fixtures.RepositoryFile("docs/library.md"))
            .Select(line => Regex.Match(line, @"^- `([A-Za-z]+)`"))
            .Where(m => m.Success)
            .Select(m => m.Groups[1].Value)
            .Order()
            .ToList();

        Assert.Equal(exported, listed);
        Assert.InRange(exported.Count, 1, 84); // issue 46 asks for 60 (docs/library.md says what the rest would cost)
    }

    /// <summary>The command line and the web page use the library as any program does: only the tests see inside.</summary>
    [Fact]
    public void Only_the_tests_see_the_librarys_internals()
    {
        var friends = Regex.Matches(File.ReadAllText(Fixtures.RepositoryFile("src/Dcgan.Core/Dcgan.Core.csproj")), @"InternalsVisibleTo Include=""([^""]+)""")
            .Select(m => m.Groups[1].Value);

        Assert.Equal(["Dcgan.Tests"], friends);
    }
}
