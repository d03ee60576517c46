using System.Text.RegularExpressions;

namespace L3Net.Model.Resources;

/// <summary>Go-style durations as Calico writes them: <c>120s</c>, <c>2m</c>, <c>1h30m</c>, <c>500ms</c>.</summary>
public static partial class GoDuration
{
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (text is null)
            return false;
        var matches = Part().Matches(text);
        if (matches.Count == 0 || string.Concat(matches.Select(m => m.Value)) != text)
            return false;
        foreach (Match m in matches)
        {
            var n = double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            duration += m.Groups[2].Value switch
            {
                "h" => TimeSpan.FromHours(n),
                "m" => TimeSpan.FromMinutes(n),
                "s" => TimeSpan.FromSeconds(n),
                _ => TimeSpan.FromMilliseconds(n),
            };
        }
        return true;
    }

    /// <summary>The duration of a field that validation has accepted, or null when it is not set.</summary>
    public static TimeSpan? Of(string? text) => TryParse(text, out var d) ? d : null;

    [GeneratedRegex(@"(\d+(?:\.\d+)?)(ms|h|m|s)")]
    private static partial Regex Part();
}
