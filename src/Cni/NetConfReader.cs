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
    /// checked first so that errors are answered in the config's version): a name, an MTU a link can have.</summary>
    public static void Validate(NetConf conf)
    {
        if (string.IsNullOrWhiteSpace(conf.Name))
            throw new CniException(CniCodes.InvalidConfig, "network configuration has no name");
        if (conf.Mtu is < 68 or > 65535)
            throw new CniException(CniCodes.InvalidConfig, $"mtu {conf.Mtu} is out of range (68-65535)");
    }
}
