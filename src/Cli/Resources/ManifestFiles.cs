using L3Net.Model.Resources;
using L3Net.Model.Serialization;

namespace L3Net.Cli.Resources;

/// <summary>One resource read from a manifest; <see cref="Source"/> names the file in errors about writing it.</summary>
public sealed record Manifest(Resource Resource, string Source);

/// <summary>Reads <c>-f FILE|DIR|-</c>: a file, every .yaml/.yml/.json file of a directory (sorted by name), or
/// standard input, through the model's <see cref="ResourceCodec"/>. Every file is read before anything is written,
/// so a bad document leaves the datastore untouched.</summary>
public static class ManifestFiles
{
    private static readonly string[] Extensions = [".yaml", ".yml", ".json"];

    public static async Task<IReadOnlyList<Manifest>> ReadAsync(IEnumerable<string> paths, CliConsole console, CancellationToken ct)
    {
        var result = new List<Manifest>();
        foreach (var path in paths)
        {
            if (path == "-")
                result.AddRange(Parse(await console.In.ReadToEndAsync(ct), "<stdin>", console));
            else if (Directory.Exists(path))
                foreach (var file in Directory.GetFiles(path).Where(f => Extensions.Contains(Path.GetExtension(f))).Order(StringComparer.Ordinal))
                    result.AddRange(Parse(await File.ReadAllTextAsync(file, ct), file, console));
            else if (File.Exists(path))
                result.AddRange(Parse(await File.ReadAllTextAsync(path, ct), path, console));
            else
                throw new CliException(ExitCode.Usage, $"{path}: no such file or directory");
        }
        if (result.Count == 0)
            throw new CliException(ExitCode.InvalidResource, $"no resources found in {string.Join(", ", paths)}");
        return result;
    }

    private static IEnumerable<Manifest> Parse(string text, string source, CliConsole console)
    {
        var parsed = ResourceCodec.Parse(text, source);
        foreach (var warning in parsed.Warnings)
            console.Error.WriteLine("warning: " + warning);
        return parsed.Resources.Select(r => new Manifest(r, source));
    }
}
