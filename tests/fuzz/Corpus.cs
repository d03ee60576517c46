using System.Text;

namespace L3Net.Tests.Fuzz;

/// <summary>The committed seeds (corpus/TARGET/*) and AFL-format dictionaries (corpus/TARGET.dict) next to the tests.</summary>
public static class Corpus
{
    private static string Root => Path.Combine(AppContext.BaseDirectory, "corpus");

    public static IReadOnlyList<(string Name, byte[] Bytes)> Seeds(string target) =>
        Directory.GetFiles(Path.Combine(Root, target)).Order(StringComparer.Ordinal)
            .Select(f => (Path.GetFileName(f), File.ReadAllBytes(f))).ToList();

    /// <summary>The tokens of corpus/TARGET.dict (<c>name="value"</c> lines, <c>\xNN</c>, <c>\"</c> and <c>\\</c> escapes), or null.</summary>
    public static IReadOnlyList<byte[]>? Dictionary(string target)
    {
        var file = Path.Combine(Root, target + ".dict");
        if (!File.Exists(file))
            return null;
        var tokens = new List<byte[]>();
        foreach (var line in File.ReadAllLines(file))
        {
            var open = line.IndexOf('"');
            if (line.StartsWith('#') || open < 0 || !line.EndsWith('"') || line.Length - open < 2)
                continue;
            tokens.Add(Unescape(line[(open + 1)..^1]));
        }
        return tokens;
    }

    private static byte[] Unescape(string value)
    {
        var bytes = new List<byte>();
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '\\' && i + 1 < value.Length && value[i + 1] == 'x' && i + 3 < value.Length)
            {
                bytes.Add(Convert.ToByte(value.Substring(i + 2, 2), 16));
                i += 3;
            }
            else if (value[i] == '\\' && i + 1 < value.Length)
                bytes.Add((byte)value[++i]);
            else
                bytes.AddRange(Encoding.UTF8.GetBytes(value[i].ToString()));
        }
        return [.. bytes];
    }
}
