using System.Buffers.Binary;
using System.Net.Sockets;
using L3Net.Bgp.Rib;

namespace L3Net.Bgp.Fsm;

/// <summary>What every peer and session of one speaker shares: options, the RIB, the update groups.</summary>
internal sealed class SpeakerContext(SpeakerOptions options)
{
    private readonly Dictionary<ExportKey, UpdateGroup> _groups = [];

    public SpeakerOptions Options { get; } = options;
    public uint LocalAs => Options.LocalAs;
    public uint RouterId { get; } = BinaryPrimitives.ReadUInt32BigEndian(options.RouterId.GetAddressBytes());
    public uint? ClusterId { get; } = options.ClusterId is null ? null : BinaryPrimitives.ReadUInt32BigEndian(options.ClusterId.MapToIPv4().GetAddressBytes());
    public RibEngine Rib { get; } = new(options.Multipath);

    public Socket CreateSocket(AddressFamily family)
        => Options.SocketFactory?.Invoke(family) ?? new Socket(family, SocketType.Stream, ProtocolType.Tcp);

    public void Log(string line) => Options.Log?.Invoke(line);

    /// <summary>The shared export group for a key (caller holds the RIB lock).</summary>
    public UpdateGroup Group(ExportKey key)
    {
        if (!_groups.TryGetValue(key, out var group))
            _groups[key] = group = new UpdateGroup(key, LocalAs, ClusterId);
        return group;
    }
}
