namespace L3Net.Datastore;

internal static class KeyRange
{
    /// <summary>The first key after every key that starts with <paramref name="prefix"/> (etcd's range_end);
    /// null for the empty prefix, which has no upper bound.</summary>
    public static string? PrefixEnd(string prefix)
        => prefix.Length == 0 ? null : prefix[..^1] + (char)(prefix[^1] + 1);
}
