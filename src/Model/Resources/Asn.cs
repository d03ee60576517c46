namespace L3Net.Model.Resources;

/// <summary>BGP autonomous system numbers as written in resources: plain (<c>64512</c>) or dotted
/// (<c>1.10</c>, RFC 5396 asdot: high 16 bits, then low 16 bits). Zero is reserved and refused.</summary>
public static class Asn
{
    public const uint Default = 64512;

    public static uint Parse(string text)
        => TryParse(text, out var asn, out var error) ? asn : throw new FormatException(error);

    public static bool TryParse(string? text, out uint asn) => TryParse(text, out asn, out _);

    public static bool TryParse(string? text, out uint asn, out string error)
    {
        asn = 0;
        error = "";
        var s = text?.Trim() ?? "";
        var dot = s.IndexOf('.', StringComparison.Ordinal);
        bool ok;
        if (dot < 0)
            ok = uint.TryParse(s, System.Globalization.NumberStyles.None, null, out asn);
        else
        {
            ok = ushort.TryParse(s[..dot], System.Globalization.NumberStyles.None, null, out var high)
                 & ushort.TryParse(s[(dot + 1)..], System.Globalization.NumberStyles.None, null, out var low);
            asn = ((uint)high << 16) | low;
        }
        if (!ok)
            error = $"'{text}' is not an AS number (1-4294967295, or dotted 0.1-65535.65535)";
        else if (asn == 0)
            error = "AS number 0 is reserved";
        return error.Length == 0;
    }
}
