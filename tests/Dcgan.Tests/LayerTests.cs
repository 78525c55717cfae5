using System.Text.RegularExpressions;

namespace Dcgan.Tests;

/// <summary>Dcgan.Core's folders as layers: which uses which, read from the sources, has no cycle, and docs/library.md
/// draws exactly that.</summary>
public partial class LayerTests
{
    private static readonly string Core = Fixtures.RepositoryFile("src/Dcgan.Core");

    [GeneratedRegex(@"//.*|""(?:[^""\\\n]|\\.)*""")]
    private static partial Regex CommentOrString();

    /// <summary>Folder -> the folders its sources name: a using of their namespace (Dcgan.Runs), or a type qualified
    /// by it (Data.ImageSet). C# reaches another namespace's type in no other way, and an unneeded using does not
    /// build here (IDE0005).</summary>
    private static Dictionary<string, SortedSet<string>> Uses()
    {
        var folders = Directory.GetDirectories(Core).Select(Path.GetFileName).OfType<string>()
            .Where(f => f is not ("obj" or "bin") && Directory.EnumerateFiles(Path.Combine(Core, f), "*.cs", SearchOption.AllDirectories).Any())
            .ToList();
        string any = string.Join('|', folders);
        var named = new Regex($@"\bDcgan\.({any})\b|(?<![\w.])({any})\.[A-Z]");
        return folders.ToDictionary(f => f, f => new SortedSet<string>(
            Directory.EnumerateFiles(Path.Combine(Core, f), "*.cs", SearchOption.AllDirectories)
                .SelectMany(file => named.Matches(CommentOrString().Replace(File.ReadAllText(file), "\"\"")))
                .Select(m => m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value)
                .Where(used => used != f), StringComparer.Ordinal));
    }

    /// <summary>The uses that are not implied by others (a uses c, when a uses b and b uses c, is left out): the
    /// diagram's arrows.</summary>
    private static List<string> Arrows(Dictionary<string, SortedSet<string>> uses)
    {
        bool Reaches(string from, string to) => uses[from].Any(next => next == to || Reaches(next, to));
        return [.. uses.OrderBy(u => u.Key, StringComparer.Ordinal)
            .SelectMany(u => u.Value.Where(to => !uses[u.Key].Any(via => via != to && Reaches(via, to))).Select(to => $"    {u.Key} --> {to}"))];
    }

    [Fact]
    public void No_folder_of_the_library_uses_another_that_uses_it_back()
    {
        var uses = Uses();
        var placed = new List<string>();
        while (placed.Count < uses.Count)
        {
            var next = uses.Keys.Where(f => !placed.Contains(f) && uses[f].All(placed.Contains)).Order(StringComparer.Ordinal).ToList();
            Assert.True(next.Count > 0, "a cycle among: " + string.Join(", ", uses.Keys.Except(placed).Select(f => $"{f} uses {string.Join(" ", uses[f].Except(placed))}")));
            placed.AddRange(next);
        }
        Assert.Contains("Training", placed);
        Assert.True(placed.IndexOf("Models") < placed.IndexOf("Training") && placed.IndexOf("Training") < placed.IndexOf("Runs"));
    }

    [Fact]
    public void Docs_library_md_draws_the_layers_as_the_sources_have_them()
    {
        string drawn = string.Join('\n', ["```mermaid", "graph TD", .. Arrows(Uses()), "```"]);
        Assert.Contains(drawn, File.ReadAllText(Fixtures.RepositoryFile("docs/library.md")).Replace("\r\n", "\n"), StringComparison.Ordinal);
    }
}
