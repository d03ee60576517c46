using System.Net;
using L3Net.Bgp.Wire;

namespace L3Net.Bgp;

/// <summary>Communities to attach to every originated prefix inside <see cref="Cidr"/> (Calico's prefixAdvertisements):
/// standard ones as <c>AA &lt;&lt; 16 | NN</c> (RFC 1997), large ones (RFC 8092). A prefix inside several cidrs gets
/// the communities of each.</summary>
public sealed record PrefixCommunities(IPNetwork Cidr, IReadOnlyList<uint> Standard, IReadOnlyList<LargeCommunity> Large);
