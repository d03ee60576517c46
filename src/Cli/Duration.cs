using System.Globalization;

namespace L3Net.Cli;

/// <summary>Durations on the command line the way Calico and Kubernetes users write them: <c>90s</c>, <c>10m</c>,
/// <c>1h</c>, <c>1h30m</c>.</summary>
public static class Duration
{
    public static bool TryParse(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        var rest = text.Trim();
        if (rest.Length == 0)
            return false;
        while (rest.Length > 0)
        {
            var digits = rest.TakeWhile(char.IsAsciiDigit).Count();
            if (digits == 0 || digits == rest.Length)
                return false;
            var n = long.Parse(rest[..digits], CultureInfo.InvariantCulture);
            var unit = rest[digits] switch { 'h' => TimeSpan.FromHours(1), 'm' => TimeSpan.FromMinutes(1), 's' => TimeSpan.FromSeconds(1), _ => TimeSpan.Zero };
            if (unit == TimeSpan.Zero)
                return false;
            value += unit * n;
            rest = rest[(digits + 1)..];
        }
        return true;
    }

    public static string Format(TimeSpan t) =>
        (t.Hours > 0 || t.Days > 0 ? $"{(int)t.TotalHours}h" : "") + (t.Minutes > 0 ? $"{t.Minutes}m" : "")
        + (t.Seconds > 0 || t < TimeSpan.FromMinutes(1) ? $"{t.Seconds}s" : "");
}
