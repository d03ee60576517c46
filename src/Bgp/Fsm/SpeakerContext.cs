using System.Buffers.Binary;
using System.Net.Sockets;
using L3Net.Bgp.Rib;

namespace L3Net.Bgp.Fsm;

/// <summary>What every peer and session of one speaker shares: options, the RIB, the update groups.</summary>
internal sealed class SpeakerContext
{
    private readonly Dictionary<ExportKey, UpdateGroup> _groups = [];
    private readonly TaskCompletionSource _updatesReleased = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public SpeakerContext(SpeakerOptions options)
    {
        Options = options;
        RouterId = BinaryPrimitives.ReadUInt32BigEndian(options.RouterId.GetAddressBytes());
        ClusterId = options.ClusterId is null ? null : BinaryPrimitives.ReadUInt32BigEndian(options.ClusterId.MapToIPv4().GetAddressBytes());
        Rib = new RibEngine(options.Multipath);
        if (!options.Restarting)
            _updatesReleased.SetResult();
    }

    public SpeakerOptions Options { get; }
    public uint LocalAs => Options.LocalAs;
    public uint RouterId { get; }
    public uint? ClusterId { get; }
    public RibEngine Rib { get; }

    /// <summary>
    /// RFC 4724 4.1, restarting speaker: our peers still forward on the routes they kept from before the restart, and
    /// they drop whatever our first End-of-RIB does not cover. So sessions send no UPDATE and no End-of-RIB until this
    /// completes: once the node has told us what it owns and every peer sent its End-of-RIB, or the selection deferral
    /// timer expired. Completed from the start when the speaker is not restarting.
    /// </summary>
    public Task UpdatesReleased => _updatesReleased.Task;

    /// <summary>True until <see cref="UpdatesReleased"/>: the Restart State bit of our OPEN.</summary>
    public bool Restarting => !_updatesReleased.Task.IsCompleted;

    /// <summary>Set by the speaker: re-checks whether the restart deferral can end (a peer sent End-of-RIB).</summary>
    public Action? RestartProgress { get; set; }

    public void ReleaseUpdates(string why)
    {
        if (_updatesReleased.TrySetResult())
            Log($"graceful restart: sending our routes and End-of-RIB ({why})");
    }

    /// <summary>Runs <see cref="RestartProgress"/> off the caller's locks (callers hold the RIB lock).</summary>
    public void NotifyRestartProgress()
    {
        if (Restarting && RestartProgress is { } check)
            _ = Task.Run(check);
    }

    public Socket CreateSocket(AddressFamily family)
        => Options.SocketFactory?.Invoke(family) ?? new Socket(family, SocketType.Stream, ProtocolType.Tcp);

    public void Log(string line) => Options.Log?.Invoke(line);

    /// <summary>The shared export group for a key (caller holds the RIB lock).</summary>
    public UpdateGroup Group(ExportKey key)
    {
        if (!_groups.TryGetValue(key, out var group))
            _groups[key] = group = new UpdateGroup(key, LocalAs, ClusterId, Rib.Lock);
        return group;
    }
}
