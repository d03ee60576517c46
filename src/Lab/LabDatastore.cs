using System.Net;
using L3Net.Datastore;

namespace L3Net.Lab;

/// <summary>The lab's datastore as seen from the process running the lab (the root namespace): the SQLite file
/// directly, or the etcd inside the ToR namespace through a <see cref="NamespaceRelay"/>.</summary>
public sealed class LabDatastore : IAsyncDisposable
{
    private readonly NamespaceRelay? _relay;

    private LabDatastore(IDatastore store, NamespaceRelay? relay)
    {
        Store = store;
        Resources = new ResourceStore(store);
        _relay = relay;
    }

    public IDatastore Store { get; }
    public ResourceStore Resources { get; }

    public static LabDatastore Open(AddressPlan plan)
    {
        if (plan.Options.Datastore == LabDatastoreKind.Sqlite)
            return new LabDatastore(DatastoreFactory.Open(plan.NodeDatastore), null);
        var relay = new NamespaceRelay(plan.TorNamespace, new IPEndPoint(IPAddress.Parse(AddressPlan.TorAddress), AddressPlan.EtcdPort));
        return new LabDatastore(DatastoreFactory.Open($"etcd://127.0.0.1:{relay.Port}"), relay);
    }

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        if (_relay is not null)
            await _relay.DisposeAsync();
    }
}
