using System.Text;
using L3Net.Datastore;

// `increment DATASTORE KEY COUNT`: COUNT read-modify-write increments of the counter at KEY, each a compare-and-swap
// retried on conflict. Run as several OS processes at once, the final value proves CAS holds. The value is
// "COUNT WRITER": when an update times out (it may or may not have been applied), the next read tells which.
if (args is not ["increment", var config, var key, var countText])
{
    Console.Error.WriteLine("usage: L3Net.Tests.Workers increment DATASTORE KEY COUNT");
    return 2;
}
await using var store = DatastoreFactory.Open(config);
var (conflicts, unavailable) = (0, 0);
string? pending = null;
for (var done = 0; done < int.Parse(countText);)
{
    try
    {
        var current = await store.GetAsync(key) ?? throw new InvalidOperationException($"{key} missing");
        var value = Encoding.UTF8.GetString(current.Value.Span);
        if (value == pending)
        {
            done++; // the update that timed out had been applied
            pending = null;
            continue;
        }
        pending = $"{long.Parse(value.Split(' ')[0]) + 1} {Environment.ProcessId}-{done}";
        await store.UpdateAsync(key, Encoding.UTF8.GetBytes(pending), current.Revision);
        done++;
        pending = null;
    }
    catch (ConflictException)
    {
        conflicts++;
        pending = null;
    }
    catch (DatastoreUnavailableException)
    {
        unavailable++; // a slow answer on an overloaded machine: read again
    }
}
Console.WriteLine($"conflicts {conflicts}, unavailable {unavailable}");
return 0;
