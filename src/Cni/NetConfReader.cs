using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace L3Net.Cni;

/// <summary>Reads and checks the network configuration the runtime writes on stdin. Every failure is a
/// <see cref="CniException"/> naming the field, before anything (datastore, kernel) is touched.</summary>
public static class NetConfReader
{
    /// <summary>Decodes the configuration; empty input is an empty configuration only where <paramref name="allowEmpty"/> (VERSION).</summary>
    public static NetConf Parse(ReadOnlySpan<byte> json, bool allowEmpty)
    {
        if (json.IsEmpty)
        {
            if (allowEmpty)
                return new NetConf();
            throw new CniException(CniCodes.DecodeFailure, "no network configuration on stdin");
        }
        try
        {
            return JsonSerializer.Deserialize(json, CniJson.Default.NetConf)
                   ?? throw new CniException(CniCodes.DecodeFailure, "network configuration is null");
        }
        catch (JsonException e)
        {
            throw new CniException(CniCodes.DecodeFailure, $"cannot decode the network configuration: {e.Message}", null, e);
        }
    }

    /// <summary>What every command but VERSION needs besides a version we speak (<see cref="CniVersions.Require"/>,
    /// checked first so that errors are answered in the config's version): a name, a nodename that is not blank, an MTU a
    /// link can have; and for ADD (which appends to it) and CHECK (which reads it) a well-formed prevResult. DEL, GC and
    /// STATUS do not read the prevResult, and DEL must succeed whatever it holds, or the runtime could never release the
    /// pod.</summary>
    public static void Validate(NetConf conf, string command)
    {
        if (string.IsNullOrWhiteSpace(conf.Name))
            throw new CniException(CniCodes.InvalidConfig, "network configuration has no name");
        if (conf.NodeName is { Length: > 0 } node && string.IsNullOrWhiteSpace(node))
            throw new CniException(CniCodes.InvalidConfig, "nodename is blank");
        if (conf.Mtu is < 68 or > 65535)
            throw new CniException(CniCodes.InvalidConfig, $"mtu {conf.Mtu} is out of range (68-65535)");
        if (conf.DaemonSocket is { } socket && (!socket.StartsWith('/') || System.Text.Encoding.UTF8.GetByteCount(socket) > MaxSocketPath))
            throw new CniException(CniCodes.InvalidConfig, $"daemon_socket '{socket}' is not an absolute path of at most {MaxSocketPath} bytes");
        if (conf.PrevResult is { } previous && command is "ADD" or "CHECK")
            ValidatePrevResult(previous);
    }

    /// <summary>sun_path holds 108 bytes with the terminating NUL.</summary>
    private const int MaxSocketPath = 107;

    /// <summary>The result of the plugins before us: CHECK reads its addresses and ADD appends to it, so every entry
    /// must be there and every address must be one (JSON allows <c>"ips": null</c> and <c>[null]</c>).</summary>
    private static void ValidatePrevResult(CniResult previous)
    {
        NoNulls(previous.Interfaces, "interfaces");
        NoNulls(previous.Routes, "routes");
        NoNulls(previous.Ips, "ips");
        for (var i = 0; i < previous.Ips.Count; i++)
            if (!IsAddress(previous.Ips[i].Address))
                throw Invalid($"prevResult.ips[{i}].address: '{previous.Ips[i].Address}' is not an IP address or CIDR");
    }

    private static void NoNulls<T>(List<T>? list, string field) where T : class
    {
        if (list is null)
            throw Invalid($"prevResult.{field}: null is not a list");
        var at = list.IndexOf(null!);
        if (at >= 0)
            throw Invalid($"prevResult.{field}[{at}]: null entry");
    }

    /// <summary>"10.22.0.2/24" (host bits allowed: it is an interface address) or a bare address.</summary>
    private static bool IsAddress(string? text)
    {
        var slash = text?.IndexOf('/') ?? -1;
        if (!IPAddress.TryParse(slash < 0 ? text : text![..slash], out var address))
            return false;
        var bits = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        return slash < 0 || (int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var length) && length <= bits);
    }

    private static CniException Invalid(string message) => new(CniCodes.InvalidConfig, message);
}
