namespace L3Net.Model.Selectors;

using Labels = IReadOnlyDictionary<string, string>;

/// <summary>Recursive descent over the selector text: or → and → unary → term. Each level returns a predicate.</summary>
internal sealed class SelectorParser(string text)
{
    private int _pos;

    public Func<Labels, bool> ParseWhole()
    {
        var result = Or();
        SkipSpace();
        if (_pos < text.Length)
            throw Error("unexpected text");
        return result;
    }

    private Func<Labels, bool> Or()
    {
        var left = And();
        while (Accept("||"))
        {
            var (l, r) = (left, And());
            left = labels => l(labels) || r(labels);
        }
        return left;
    }

    private Func<Labels, bool> And()
    {
        var left = Unary();
        while (Accept("&&"))
        {
            var (l, r) = (left, Unary());
            left = labels => l(labels) && r(labels);
        }
        return left;
    }

    private Func<Labels, bool> Unary()
    {
        if (Accept("!"))
        {
            var inner = Unary();
            return labels => !inner(labels);
        }
        if (Accept("("))
        {
            var inner = Or();
            Expect(")");
            return inner;
        }
        if (AcceptWord("all"))
        {
            Expect("(");
            Expect(")");
            return _ => true;
        }
        if (AcceptWord("has"))
        {
            Expect("(");
            var key = Key();
            Expect(")");
            return labels => labels.ContainsKey(key);
        }
        return Comparison(Key());
    }

    private Func<Labels, bool> Comparison(string key)
    {
        if (Accept("=="))
            return Equal(key, Literal());
        if (Accept("!="))
        {
            var equal = Equal(key, Literal());
            return labels => !equal(labels);
        }
        if (AcceptWord("in"))
            return In(key, Set());
        if (AcceptWord("not"))
        {
            if (!AcceptWord("in"))
                throw Error("expected 'in' after 'not'");
            var inSet = In(key, Set());
            return labels => !inSet(labels);
        }
        if (AcceptWord("contains"))
            return Text(key, Literal(), (v, s) => v.Contains(s, StringComparison.Ordinal));
        if (AcceptWord("starts"))
            return WithWord(key, (v, s) => v.StartsWith(s, StringComparison.Ordinal));
        if (AcceptWord("ends"))
            return WithWord(key, (v, s) => v.EndsWith(s, StringComparison.Ordinal));
        throw Error($"expected an operator after '{key}' (==, !=, in, not in, contains, starts with, ends with)");
    }

    private Func<Labels, bool> WithWord(string key, Func<string, string, bool> test)
    {
        if (!AcceptWord("with"))
            throw Error("expected 'with'");
        return Text(key, Literal(), test);
    }

    private static Func<Labels, bool> Equal(string key, string value)
        => labels => labels.TryGetValue(key, out var v) && v == value;

    private static Func<Labels, bool> In(string key, HashSet<string> values)
        => labels => labels.TryGetValue(key, out var v) && values.Contains(v);

    private static Func<Labels, bool> Text(string key, string value, Func<string, string, bool> test)
        => labels => labels.TryGetValue(key, out var v) && test(v, value);

    private HashSet<string> Set()
    {
        Expect("{");
        var values = new HashSet<string>(StringComparer.Ordinal);
        if (!Accept("}"))
        {
            do values.Add(Literal());
            while (Accept(","));
            Expect("}");
        }
        return values;
    }

    private string Key()
    {
        SkipSpace();
        var start = _pos;
        while (_pos < text.Length && (char.IsAsciiLetterOrDigit(text[_pos]) || text[_pos] is '-' or '_' or '.' or '/'))
            _pos++;
        if (_pos == start)
            throw Error("expected a label key");
        return text[start.._pos];
    }

    private string Literal()
    {
        SkipSpace();
        if (_pos >= text.Length || text[_pos] is not ('\'' or '"'))
            throw Error("expected a quoted value");
        var quote = text[_pos];
        var end = text.IndexOf(quote, _pos + 1);
        if (end < 0)
            throw Error("unterminated quoted value");
        var value = text[(_pos + 1)..end];
        _pos = end + 1;
        return value;
    }

    private bool Accept(string token)
    {
        SkipSpace();
        if (!text.AsSpan(_pos).StartsWith(token, StringComparison.Ordinal))
            return false;
        _pos += token.Length;
        return true;
    }

    /// <summary>Accepts a keyword only as a whole word, so a key named <c>install</c> is not read as <c>in</c>.</summary>
    private bool AcceptWord(string word)
    {
        SkipSpace();
        var end = _pos + word.Length;
        if (!text.AsSpan(_pos).StartsWith(word, StringComparison.Ordinal)
            || (end < text.Length && (char.IsAsciiLetterOrDigit(text[end]) || text[end] is '-' or '_' or '.' or '/')))
            return false;
        _pos = end;
        return true;
    }

    private void Expect(string token)
    {
        if (!Accept(token))
            throw Error($"expected '{token}'");
    }

    private void SkipSpace()
    {
        while (_pos < text.Length && char.IsWhiteSpace(text[_pos]))
            _pos++;
    }

    private FormatException Error(string what) => new($"{what} at position {_pos}");
}
