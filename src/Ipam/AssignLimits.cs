using L3Net.Model.Resources;

namespace L3Net.Ipam;

/// <summary>What bounds one auto-assignment besides the pools: the reserved addresses (read once per request) and the
/// IPAM configuration, read only when first asked, i.e. when the node's own blocks are full. The common CNI ADD
/// (room in an affine block) therefore pays one extra datastore read: the list of reservations.</summary>
internal sealed class AssignLimits(Reservations reserved, Func<CancellationToken, Task<IPAMConfigurationSpec>> readConfiguration)
{
    private IPAMConfigurationSpec? _configuration;

    public Reservations Reserved => reserved;

    public async ValueTask<IPAMConfigurationSpec> ConfigAsync(CancellationToken ct)
        => _configuration ??= await readConfiguration(ct);
}
