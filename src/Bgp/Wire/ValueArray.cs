using System.Collections;

namespace L3Net.Bgp.Wire;

/// <summary>
/// An immutable array with structural equality, so that attribute sets built from the same bytes compare and hash
/// equal: that is what lets interning and Adj-RIB-Out comparisons work by value.
/// </summary>
public readonly struct ValueArray<T> : IEquatable<ValueArray<T>>, IReadOnlyList<T> where T : IEquatable<T>
{
    private readonly T[]? _items;

    public ValueArray(T[]? items) => _items = items is { Length: > 0 } ? items : null;

    public ReadOnlySpan<T> Span => _items;
    public int Count => _items?.Length ?? 0;
    public bool IsEmpty => _items is null;
    public T this[int index] => _items![index];

    public bool Equals(ValueArray<T> other) => Span.SequenceEqual(other.Span);
    public override bool Equals(object? obj) => obj is ValueArray<T> other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var item in Span)
            hash.Add(item);
        return hash.ToHashCode();
    }

    public static bool operator ==(ValueArray<T> left, ValueArray<T> right) => left.Equals(right);
    public static bool operator !=(ValueArray<T> left, ValueArray<T> right) => !left.Equals(right);

    public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)(_items ?? [])).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => string.Join(' ', Span.ToArray());
}
