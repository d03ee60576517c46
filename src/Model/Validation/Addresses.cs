using System.Net;
using System.Net.Sockets;

namespace L3Net.Model.Validation;

/// <summary>Parsing of the address forms resources carry, each with the reason it failed.</summary>
public static class Addresses
{
    /// <summary>A network in canonical form (<c>10.244.0.0/16</c>): no host bits set.</summary>
    public static bool TryParseCidr(string? text, out IPNetwork network, out string error)
    {
        network = default;
        error = "";
        if (!TryParseAddressWithPrefix(text, out var address, out var length, out error))
            return false;
        var masked = Mask(address, length);
        if (!masked.Equals(address))
        {
            error = $"'{text}' is not a valid CIDR: host bits are set (did you mean {masked}/{length}?)";
            return false;
        }
        network = new IPNetwork(masked, length);
        return true;
    }

    /// <summary>A network as <see cref="TryParseCidr"/> reads it, or a bare address meaning the host network
    /// (<c>10.0.2.3</c> = <c>10.0.2.3/32</c>).</summary>
    public static bool TryParseAddressOrCidr(string? text, out IPNetwork network, out string error)
    {
        if (text is not null && !text.Contains('/') && IPAddress.TryParse(text, out var host))
        {
            network = new IPNetwork(host, host.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
            error = "";
            return true;
        }
        if (TryParseCidr(text, out network, out error))
            return true;
        if (text is not null && !text.Contains('/'))
            error = $"'{text}' is not an IP address or CIDR";
        return false;
    }

    /// <summary>An interface address with its prefix length (<c>10.0.1.2/24</c>): host bits allowed.</summary>
    public static bool TryParseAddressWithPrefix(string? text, out IPAddress address, out int length, out string error)
    {
        address = IPAddress.None;
        length = 0;
        error = $"'{text}' is not a valid CIDR";
        var slash = text?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        if (slash < 0 || !IPAddress.TryParse(text![..slash], out var parsed)
                      || !int.TryParse(text[(slash + 1)..], System.Globalization.NumberStyles.None, null, out length))
            return false;
        var max = parsed.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (length > max)
        {
            error = $"'{text}' is not a valid CIDR: prefix length {length} is over {max}";
            return false;
        }
        address = parsed;
        error = "";
        return true;
    }

    public static IPAddress Mask(IPAddress address, int length)
    {
        var bytes = address.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var keep = Math.Clamp(length - i * 8, 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }
        return new IPAddress(bytes);
    }

    public static bool Overlap(IPNetwork a, IPNetwork b)
        => a.BaseAddress.AddressFamily == b.BaseAddress.AddressFamily
           && (a.Contains(b.BaseAddress) || b.Contains(a.BaseAddress));

    /// <summary>A BGP peer address: <c>10.0.0.1</c>, <c>10.0.0.1:1790</c>, <c>fd00::1</c> or <c>[fd00::1]:179</c>;
    /// <paramref name="port"/> is 179 when none is given.</summary>
    public static bool TryParsePeerIp(string? text, out IPAddress address, out int port)
    {
        port = 179;
        address = IPAddress.None;
        if (string.IsNullOrEmpty(text))
            return false;
        if (IPAddress.TryParse(text, out var bare) && !text.Contains('['))
        {
            address = bare;
            return true;
        }
        var colon = text.LastIndexOf(':');
        var host = colon > 0 ? text[..colon] : "";
        if (host.StartsWith('[') && host.EndsWith(']'))
            host = host[1..^1];
        else if (host.Contains(':'))
            return false;
        return IPAddress.TryParse(host, out address!)
               && int.TryParse(text[(colon + 1)..], System.Globalization.NumberStyles.None, null, out port)
               && port is > 0 and <= 65535;
    }
}
