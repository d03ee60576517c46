namespace L3Net.Cni;

/// <summary>
/// What a long-running process running one invocation for the plugin (the node daemon, for a handed-off invocation)
/// provides and takes over: the datastores it keeps open, and the work of the invocation that may wait until the
/// plugin has its answer (<see cref="DeferredTeardown"/>, which the host runs before it lets the next request of the
/// same attachment in).
/// </summary>
public sealed class CniHost(SharedDatastores datastores)
{
    public SharedDatastores Datastores { get; } = datastores;

    /// <summary>The pod interface a DEL found, for the host to delete once the answer is sent.</summary>
    public PodTeardown? DeferredTeardown { get; set; }
}
