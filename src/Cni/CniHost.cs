namespace L3Net.Cni;

/// <summary>
/// What a long-running process running one invocation for the plugin (the node daemon, for a handed-off invocation)
/// provides and takes over: the datastores it keeps open, and the work of the invocation that may wait until the
/// plugin has its answer (<see cref="DeferredTeardown"/>, which the host runs before it lets the next request of the
/// same attachment in), and the turn its invocations take at IPAM.
/// </summary>
public sealed class CniHost(SharedDatastores datastores, SemaphoreSlim ipamTurn)
{
    public SharedDatastores Datastores { get; } = datastores;

    /// <summary>One IPAM operation of the host's invocations at a time. Fifty concurrent ADDs of one node assign from
    /// the same block: side by side, all but one lose each compare-and-swap and back off exponentially; in turn, each
    /// takes a millisecond or two. Other processes (a plugin working alone, other nodes) still meet at the CAS.</summary>
    public async Task<T> InIpamTurnAsync<T>(Func<Task<T>> operation)
    {
        await ipamTurn.WaitAsync();
        try
        {
            return await operation();
        }
        finally
        {
            ipamTurn.Release();
        }
    }

    /// <summary>The pod interface a DEL found, for the host to delete once the answer is sent.</summary>
    public PodTeardown? DeferredTeardown { get; set; }
}
