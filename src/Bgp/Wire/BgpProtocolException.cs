namespace L3Net.Bgp.Wire;

/// <summary>NOTIFICATION error codes (RFC 4271 section 4.5, RFC 7313 for route refresh).</summary>
public enum BgpError : byte
{
    MessageHeader = 1,
    OpenMessage = 2,
    UpdateMessage = 3,
    HoldTimerExpired = 4,
    FsmError = 5,
    Cease = 6,
    RouteRefresh = 7,
}

/// <summary>The subcodes we send, named after the RFC text so a reader can grep for them.</summary>
public static class BgpSubcode
{
    public const byte ConnectionNotSynchronized = 1, BadMessageLength = 2, BadMessageType = 3;
    public const byte UnsupportedVersion = 1, BadPeerAs = 2, BadBgpIdentifier = 3, UnsupportedOptionalParameter = 4,
        UnacceptableHoldTime = 6, UnsupportedCapability = 7;
    public const byte MalformedAttributeList = 1, UnrecognizedWellKnownAttribute = 2, MissingWellKnownAttribute = 3,
        AttributeFlagsError = 4, AttributeLengthError = 5, InvalidOrigin = 6, InvalidNextHop = 8,
        OptionalAttributeError = 9, InvalidNetworkField = 10, MalformedAsPath = 11;
    // RFC 4486 Cease subcodes.
    public const byte MaxPrefixesReached = 1, AdministrativeShutdown = 2, PeerDeconfigured = 3, AdministrativeReset = 4,
        ConnectionRejected = 5, OtherConfigurationChange = 6, ConnectionCollisionResolution = 7, OutOfResources = 8;
    // RFC 9384 Cease subcode: BFD saw the path fail.
    public const byte BfdDown = 10;
}

/// <summary>
/// A protocol error that ends the session: it carries exactly the NOTIFICATION (code, subcode, data) to send. Every
/// decoding failure that RFC 7606 does not downgrade to treat-as-withdraw or attribute-discard surfaces as this type
/// and nothing else, so the session can always answer with the right NOTIFICATION.
/// </summary>
public sealed class BgpProtocolException(BgpError code, byte subcode, string message, byte[]? data = null) : Exception(message)
{
    public BgpError Code { get; } = code;
    public byte Subcode { get; } = subcode;
    public byte[] NotificationData { get; } = data ?? [];

    public static BgpProtocolException Update(byte subcode, string message, byte[]? data = null)
        => new(BgpError.UpdateMessage, subcode, message, data);
}
