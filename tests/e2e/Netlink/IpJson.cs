using System.Text.Json;
using L3Net.Testing;

namespace L3Net.Tests.E2e.Netlink;

/// <summary>The kernel's view through iproute2's JSON output: the independent witness of what Netlink did.</summary>
internal static class IpJson
{
    public static JsonElement[] Query(NetnsHost host, params string[] args)
    {
        var text = host.Ip(["-j", .. args]);
        return string.IsNullOrWhiteSpace(text) ? [] : JsonDocument.Parse(text).RootElement.EnumerateArray().ToArray();
    }

    public static JsonElement? Link(NetnsHost host, string name)
    {
        var r = ProcessRunner.Run("ip", ["-n", host.Namespace, "-j", "link", "show", "dev", name]);
        return r.Ok ? JsonDocument.Parse(r.Stdout).RootElement[0] : null;
    }

    public static string Str(this JsonElement e, string property) =>
        e.TryGetProperty(property, out var v) ? v.ValueKind == JsonValueKind.String ? v.GetString()! : v.ToString() : "";

    public static bool HasFlag(this JsonElement e, string flag) =>
        e.TryGetProperty("flags", out var f) && f.EnumerateArray().Any(x => x.GetString() == flag);
}
