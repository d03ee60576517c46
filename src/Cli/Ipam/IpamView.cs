using System.Net;
using L3Net.Cli.Output;
using L3Net.Ipam;
using L3Net.Model.Resources;

namespace L3Net.Cli.Ipam;

/// <summary>What <c>ipam show</c> prints: pool usage (calicoctl's table), optionally each block under its pool with
/// its affine node, and who holds one address.</summary>
public static class IpamView
{
    public static TextTable Usage(IReadOnlyList<IPPool> pools, IReadOnlyList<BlockInfo> blocks, bool showBlocks)
    {
        var table = showBlocks
            ? new TextTable("GROUPING", "CIDR", "AFFINITY", "IPS TOTAL", "IPS IN USE", "IPS FREE")
            : new TextTable("GROUPING", "CIDR", "IPS TOTAL", "IPS IN USE", "IPS FREE");
        var unpooled = blocks.ToList();
        foreach (var pool in pools.OrderBy(p => p.Spec.Cidr, StringComparer.Ordinal))
        {
            var cidr = IPNetwork.Parse(pool.Spec.Cidr);
            var inPool = blocks.Where(b => Contains(cidr, b.Cidr)).OrderBy(b => b.Cidr.BaseAddress, AddressOrder.Instance).ToList();
            unpooled.RemoveAll(inPool.Contains);
            var total = UInt128.One << (Bits(cidr) - cidr.PrefixLength);
            Row(table, showBlocks, "IP Pool", cidr.ToString(), "", total, (UInt128)inPool.Sum(b => b.InUse));
            if (showBlocks)
                foreach (var b in inPool)
                    Row(table, true, "Block", b.Cidr.ToString(), b.Node ?? "(none)", (UInt128)b.Capacity, (UInt128)b.InUse);
        }
        // Blocks whose pool was deleted while they still held addresses.
        if (showBlocks)
            foreach (var b in unpooled)
                Row(table, true, "Block (no pool)", b.Cidr.ToString(), b.Node ?? "(none)", (UInt128)b.Capacity, (UInt128)b.InUse);
        return table;
    }

    /// <summary>The settings as auto-assignment uses them (Calico's defaults when no IPAMConfiguration exists).</summary>
    public static TextTable Configuration(IPAMConfiguration config)
    {
        var table = new TextTable("PROPERTY", "VALUE");
        table.Add(["StrictAffinity", config.Spec.StrictAffinity ? "true" : "false"]);
        table.Add(["MaxBlocksPerHost", ResourceTables.BlockLimit(config.Spec.MaxBlocksPerHost)]);
        return table;
    }

    public static void WriteHolder(IPAddress ip, IReadOnlyList<IPPool> pools, IReadOnlyList<BlockInfo> blocks, TextWriter output)
    {
        var block = blocks.FirstOrDefault(b => b.Cidr.Contains(ip));
        var holder = block?.Allocations.FirstOrDefault(a => a.Address.Equals(ip));
        if (holder is null)
        {
            var pool = pools.FirstOrDefault(p => IPNetwork.Parse(p.Spec.Cidr).Contains(ip));
            output.WriteLine(pool is null ? $"IP {ip} is not in any IP pool." : $"IP {ip} is not assigned (pool {pool.Metadata.Name}).");
            return;
        }
        output.WriteLine($"IP {ip} is in use.");
        output.WriteLine($"  handle:   {holder.Handle}");
        output.WriteLine($"  node:     {holder.Node}");
        output.WriteLine($"  block:    {block!.Cidr} (affinity {block.Node ?? "none"})");
        output.WriteLine($"  assigned: {holder.Assigned.UtcDateTime:yyyy-MM-dd HH:mm:ss'Z'}");
        if (holder.Attributes.Count > 0)
            output.WriteLine("  attrs:    " + string.Join(", ",
                holder.Attributes.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key}={a.Value}")));
    }

    private static void Row(TextTable table, bool withAffinity, string grouping, string cidr, string affinity, UInt128 total, UInt128 used)
    {
        string[] counts = [total.ToString(), $"{used} ({Percent(used, total)}%)", $"{total - used} ({Percent(total - used, total)}%)"];
        table.Add(withAffinity ? [grouping, cidr, affinity, .. counts] : [grouping, cidr, .. counts]);
    }

    private static int Percent(UInt128 part, UInt128 whole) =>
        whole == 0 ? 0 : (int)Math.Round((double)part * 100 / (double)whole, MidpointRounding.AwayFromZero);

    private static int Bits(IPNetwork n) => n.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128;

    private static bool Contains(IPNetwork outer, IPNetwork inner) =>
        inner.PrefixLength >= outer.PrefixLength && outer.Contains(inner.BaseAddress);

    /// <summary>Numeric address order, so 10.0.0.64/26 sorts before 10.0.0.128/26.</summary>
    private sealed class AddressOrder : IComparer<IPAddress>
    {
        public static readonly AddressOrder Instance = new();

        public int Compare(IPAddress? x, IPAddress? y) =>
            x!.AddressFamily != y!.AddressFamily
                ? x.AddressFamily.CompareTo(y.AddressFamily)
                : x.GetAddressBytes().AsSpan().SequenceCompareTo(y.GetAddressBytes());
    }
}
