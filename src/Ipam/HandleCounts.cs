using System.Net;
using L3Net.Datastore;

namespace L3Net.Ipam;

/// <summary>The per-block address counts of a handle record (see <see cref="HandleRecord"/> for why they are raised
/// before and lowered after the block write).</summary>
internal sealed class HandleCounts(RecordStore records)
{
    /// <summary>Adds <paramref name="delta"/> to the handle's count for one block; the record goes away at zero. A
    /// raise assumes the record is not there yet (a new pod's handle): it is created without the read the
    /// compare-and-swap loop starts with, which runs only when one exists.</summary>
    public Task AdjustAsync(string handle, IPNetwork cidr, int delta, CancellationToken ct)
        => SubtractAsync(handle, new Dictionary<string, int> { [cidr.ToString()] = -delta }, ct, assumeAbsent: delta > 0);

    /// <summary>Lowers several block counts at once (a release by handle subtracts what it read, so an increment a
    /// concurrent writer made meanwhile survives).</summary>
    public Task SubtractAsync(string handle, IReadOnlyDictionary<string, int> counts, CancellationToken ct, bool assumeAbsent = false)
    {
        var now = records.Options.Time.GetUtcNow();
        return records.MutateAsync<HandleRecord, bool>(IpamKeys.Handle(handle), h =>
        {
            h ??= new HandleRecord { Handle = handle };
            foreach (var (block, minus) in counts)
            {
                var count = h.Blocks.GetValueOrDefault(block) - minus;
                if (count > 0) h.Blocks[block] = count;
                else h.Blocks.Remove(block);
            }
            h.Updated = now;
            return h.Blocks.Count == 0 ? (Edit.Remove, null, true) : (Edit.Write, h, true);
        }, ct, assumeAbsent: assumeAbsent);
    }

    /// <summary>Best effort: if the store is down now too, the handle keeps an over-count, the benign direction that
    /// GC trims.</summary>
    public async Task GiveBackAsync(string handle, IPNetwork cidr, int count)
    {
        try
        {
            await AdjustAsync(handle, cidr, -count, CancellationToken.None);
        }
        catch (Exception e) when (e is DatastoreException or IpamContentionException)
        {
        }
    }
}
