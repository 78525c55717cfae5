using System.Reflection;

namespace Dcgan.Diagnostics;

/// <summary>The tool's version as run records and exported models name it: the informational version of the entry
/// assembly (the CLI's "0.2.0+commit"), or this library's when it is used from another program.</summary>
internal static class ToolVersion
{
    public static string Current { get; } =
        (Assembly.GetEntryAssembly() ?? typeof(ToolVersion).Assembly).GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(ToolVersion).Assembly.GetName().Version?.ToString() ?? "unknown";
}
