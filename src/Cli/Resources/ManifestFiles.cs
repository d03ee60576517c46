namespace L3Net.Cli.Resources;

/// <summary>Reads <c>-f FILE|DIR|-</c>: a file, every .yaml/.yml/.json file of a directory (sorted by name), or
/// standard input.</summary>
public static class ManifestFiles
{
    private static readonly string[] Extensions = [".yaml", ".yml", ".json"];

    public static async Task<IReadOnlyList<Manifest>> ReadAsync(IEnumerable<string> paths, TextReader stdin, CancellationToken ct)
    {
        var result = new List<Manifest>();
        foreach (var path in paths)
        {
            if (path == "-")
                result.AddRange(ManifestCodec.Parse(await stdin.ReadToEndAsync(ct), "<stdin>"));
            else if (Directory.Exists(path))
                foreach (var file in Directory.GetFiles(path).Where(f => Extensions.Contains(Path.GetExtension(f))).Order(StringComparer.Ordinal))
                    result.AddRange(ManifestCodec.Parse(await File.ReadAllTextAsync(file, ct), file));
            else if (File.Exists(path))
                result.AddRange(ManifestCodec.Parse(await File.ReadAllTextAsync(path, ct), path));
            else
                throw new CliException(ExitCode.Usage, $"{path}: no such file or directory");
        }
        if (result.Count == 0)
            throw new CliException(ExitCode.InvalidResource, $"no resources found in {string.Join(", ", paths)}");
        return result;
    }
}
