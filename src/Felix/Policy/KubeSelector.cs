using System.Text;
using L3Net.Model.Resources;

namespace L3Net.Felix.Policy;

/// <summary>Kubernetes <c>metav1.LabelSelector</c> semantics (all of matchLabels and all of matchExpressions; an empty
/// selector matches everything) and a canonical text form, so that equal selectors share one ipset.</summary>
public static class KubeSelector
{
    public static bool Matches(KubeLabelSelector selector, IReadOnlyDictionary<string, string> labels)
    {
        foreach (var (k, v) in selector.MatchLabels ?? [])
        {
            if (!labels.TryGetValue(k, out var actual) || actual != v)
                return false;
        }
        foreach (var e in selector.MatchExpressions ?? [])
        {
            var has = labels.TryGetValue(e.Key, out var value);
            var ok = e.Operator switch
            {
                "In" => has && (e.Values ?? []).Contains(value!),
                "NotIn" => !has || !(e.Values ?? []).Contains(value!),
                "Exists" => has,
                "DoesNotExist" => !has,
                // The validator rejects other operators; one that slipped through must select nothing, never everything.
                _ => false,
            };
            if (!ok)
                return false;
        }
        return true;
    }

    public static string Canonical(KubeLabelSelector? selector)
    {
        if (selector is null)
            return "-";
        var sb = new StringBuilder("{");
        foreach (var (k, v) in (selector.MatchLabels ?? []).OrderBy(kv => kv.Key, StringComparer.Ordinal))
            sb.Append(k).Append('=').Append(v).Append(';');
        foreach (var e in (selector.MatchExpressions ?? []).Select(e => $"{e.Key} {e.Operator} ({string.Join(',', (e.Values ?? []).Order(StringComparer.Ordinal))})").Order(StringComparer.Ordinal))
            sb.Append(e).Append(';');
        return sb.Append('}').ToString();
    }
}
