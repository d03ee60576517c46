namespace L3Net.Model.Selectors;

/// <summary>
/// A Calico label selector: <c>rack == 'r1' &amp;&amp; has(bgp)</c>, <c>all()</c>, <c>zone in {'a','b'}</c>,
/// <c>!has(x)</c>, <c>name contains 'x'</c>, <c>starts with</c>, <c>ends with</c>, parentheses, <c>||</c>.
/// As in Calico, <c>!=</c> and <c>not in</c> also match nodes that lack the label; an empty selector matches all.
/// </summary>
public sealed class LabelSelector
{
    private readonly Func<IReadOnlyDictionary<string, string>, bool> _match;

    private LabelSelector(string text, Func<IReadOnlyDictionary<string, string>, bool> match)
    {
        Text = text;
        _match = match;
    }

    public static LabelSelector All { get; } = new("all()", _ => true);

    /// <summary>The selector as written.</summary>
    public string Text { get; }

    public bool Matches(IReadOnlyDictionary<string, string> labels) => _match(labels);

    public override string ToString() => Text;

    /// <summary>Parses a selector; throws <see cref="FormatException"/> saying where and what was expected.</summary>
    public static LabelSelector Parse(string? text)
        => TryParse(text, out var selector, out var error) ? selector : throw new FormatException(error);

    public static bool TryParse(string? text, out LabelSelector selector, out string error)
    {
        selector = All;
        error = "";
        if (string.IsNullOrWhiteSpace(text))
            return true;
        try
        {
            var parser = new SelectorParser(text);
            selector = new LabelSelector(text, parser.ParseWhole());
            return true;
        }
        catch (FormatException e)
        {
            error = $"selector '{text}': {e.Message}";
            return false;
        }
    }
}
