using System.Text;
using L3Net.Datastore;

// `increment DATASTORE KEY COUNT`: COUNT read-modify-write increments of the decimal counter at KEY, each a
// compare-and-swap retried on conflict. Run as several OS processes at once, the final value proves CAS holds.
if (args is not ["increment", var config, var key, var countText])
{
    Console.Error.WriteLine("usage: L3Net.Tests.Workers increment DATASTORE KEY COUNT");
    return 2;
}
await using var store = DatastoreFactory.Open(config);
var conflicts = 0;
for (var done = 0; done < int.Parse(countText);)
{
    var current = await store.GetAsync(key) ?? throw new InvalidOperationException($"{key} missing");
    var next = long.Parse(Encoding.UTF8.GetString(current.Value.Span)) + 1;
    try
    {
        await store.UpdateAsync(key, Encoding.UTF8.GetBytes(next.ToString()), current.Revision);
        done++;
    }
    catch (ConflictException)
    {
        conflicts++;
    }
}
Console.WriteLine($"conflicts {conflicts}");
return 0;
