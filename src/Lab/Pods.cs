namespace L3Net.Lab;

/// <summary>Pods without a container runtime: a network namespace per pod, wired by the real CNI plugin.</summary>
public sealed class Pods(LabState state)
{
    private readonly CniPlugin _cni = new(state);

    /// <summary>Creates the pod's namespace and runs CNI ADD; on failure the namespace is removed again.</summary>
    public async Task<LabPod> CreateAsync(string node, int index, CancellationToken ct)
    {
        var name = AddressPlan.PodName(node, index);
        var pod = new LabPod
        {
            Name = name,
            Node = node,
            Namespace = state.Plan.PodNamespace(name),
            ContainerId = Guid.NewGuid().ToString("N"),
        };
        Netns.Create(pod.Namespace, forwarding: false);
        try
        {
            pod.Address = await _cni.AddAsync(pod, ct);
            return pod;
        }
        catch
        {
            await Netns.DestroyAsync(pod.Namespace);
            throw;
        }
    }

    /// <summary>CNI DEL, then the namespace goes.</summary>
    public async Task DeleteAsync(LabPod pod, CancellationToken ct)
    {
        await _cni.DelAsync(pod, ct);
        await Netns.DestroyAsync(pod.Namespace);
    }

    /// <summary>Runs <paramref name="work"/> over <paramref name="items"/> with at most <paramref name="parallelism"/>
    /// at once (CNI calls are separate processes: concurrency is what a busy node sees).</summary>
    public static async Task<IReadOnlyList<TResult>> ForEachAsync<T, TResult>(IEnumerable<T> items, int parallelism,
        Func<T, CancellationToken, Task<TResult>> work, CancellationToken ct)
    {
        using var gate = new SemaphoreSlim(parallelism);
        var tasks = items.Select(async item =>
        {
            await gate.WaitAsync(ct);
            try
            {
                return await work(item, ct);
            }
            finally
            {
                gate.Release();
            }
        }).ToList();
        return await Task.WhenAll(tasks);
    }
}
