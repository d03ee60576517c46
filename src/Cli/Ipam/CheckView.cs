using L3Net.Cli.Output;
using L3Net.Ipam;

namespace L3Net.Cli.Ipam;

/// <summary>The <c>ipam check</c> report: a summary line, then one table per kind of problem found.</summary>
public static class CheckView
{
    public static int Problems(IpamCheckReport r) =>
        r.Leaked.Count + r.Duplicates.Count + r.Affinities.Count + r.Handles.Count + r.EmptyUnownedBlocks.Count;

    public static void Write(IpamCheckReport r, CliConsole console)
    {
        var output = console.Out;
        output.WriteLine($"Checked {r.Blocks} block(s) holding {r.Allocated} address(es); grace period {Duration.Format(r.Grace)}.");
        Section(console, "Leaked addresses (no workload endpoint uses the handle)", r.Leaked,
            new TextTable("ADDRESS", "HANDLE", "NODE", "ASSIGNED"),
            l => [l.Address.ToString(), l.Handle, l.Node, l.Assigned.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'")]);
        Section(console, "Duplicate addresses", r.Duplicates,
            new TextTable("ADDRESS", "HANDLES"), d => [d.Address.ToString(), string.Join(",", d.Handles)]);
        Section(console, "Affinity problems", r.Affinities,
            new TextTable("NODE", "BLOCK", "STATE", "PROBLEM"), a => [a.Node, a.Block.ToString(), a.State.ToString(), a.Reason]);
        Section(console, "Handle problems", r.Handles,
            new TextTable("HANDLE", "PROBLEM"), h => [h.Handle, h.Reason]);
        Section(console, "Empty blocks without affinity", r.EmptyUnownedBlocks,
            new TextTable("BLOCK"), b => [b.ToString()]);
        output.WriteLine();
        output.WriteLine(Problems(r) == 0 ? "No problems found." : $"Found {Problems(r)} problem(s).");
    }

    private static void Section<T>(CliConsole console, string title, IReadOnlyList<T> items, TextTable table, Func<T, string[]> row)
    {
        if (items.Count == 0)
            return;
        console.Out.WriteLine();
        console.Out.WriteLine($"{title}:");
        foreach (var item in items)
            table.Add(row(item));
        table.WriteTo(console);
    }
}
