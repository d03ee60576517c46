using L3Net.Model.Status;

namespace L3Net.Node.Status;

/// <summary>
/// What the status socket and the health port report, filled in by the parts of the daemon as they come up.
/// Ready means: the node is registered, the dataplane was synced with the kernel once and is not behind (no change the
/// kernel refused has stayed unapplied beyond Felix's bound), and the last datastore read worked. Live (healthz) fails
/// only when a loop died, which the supervisor cures with a restart.
/// </summary>
public sealed class NodeHealth(TimeProvider time)
{
    private volatile bool _registered;
    private volatile bool _dataplaneSynced;
    private volatile string? _dataplaneBehind;
    private volatile string? _datastoreError;
    private volatile string? _fatal;

    public DateTimeOffset StartedAt { get; } = time.GetUtcNow();

    /// <summary>Supplies the live part of the report (AS, router ID, peers) once the speaker runs.</summary>
    public Func<NodeStatusReport, NodeStatusReport>? Fill { get; set; }

    public void Registered() => _registered = true;
    public void DataplaneSynced() => _dataplaneSynced = true;
    public void DatastoreOk() => _datastoreError = null;
    public void DatastoreFailed(string error) => _datastoreError = error;
    public void Fatal(string error) => _fatal = error;

    /// <summary>After each dataplane apply: why the kernel is behind what Felix wants, or null when it is not.</summary>
    public void DataplaneBehind(string? why) => _dataplaneBehind = why;

    public (bool Ok, string Why) Ready()
        => !_registered ? (false, "node not registered yet")
         : _datastoreError is { } e ? (false, "datastore: " + e)
         : _dataplaneBehind is { } b ? (false, "dataplane: " + b)
         : !_dataplaneSynced ? (false, "dataplane not synced yet")
         : (true, "ready");

    public (bool Ok, string Why) Live() => _fatal is { } f ? (false, f) : (true, "ok");

    public NodeStatusReport Report(string node)
    {
        var report = new NodeStatusReport { Node = node, StartedAt = StartedAt, Version = typeof(NodeHealth).Assembly.GetName().Version?.ToString() ?? "" };
        return Fill?.Invoke(report) ?? report;
    }
}
