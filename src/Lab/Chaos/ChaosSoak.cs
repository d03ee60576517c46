using System.Diagnostics;
using L3Net.Ipam;

namespace L3Net.Lab.Chaos;

/// <summary>
/// The chaos soak on a running lab (etcd datastore, BIRD ToR): pod churn through the real CNI plugin at a steady
/// rate across the nodes, and one fault at a time at random intervals (a node daemon SIGKILLed and restarted, BIRD
/// SIGKILLed and restarted, etcd stopped and started). Checked throughout: no address handed to two live pods, every
/// live pod reaching every other within <see cref="ChaosOptions.ReachWithin"/> of each repair. Checked once the
/// churn stops: <c>ipam check</c> clean, no host route to a pod that is gone, the witness daemon's RSS flat over the
/// last half and its descriptors not growing.
/// </summary>
public sealed class ChaosSoak
{
    private readonly LabController _lab;
    private readonly ChaosOptions _options;
    private readonly Action<string> _log;
    private readonly ChaosReport _report;
    private readonly Random _churnRandom;
    private readonly Random _faultRandom;
    private readonly Stopwatch _clock = new();

    /// <summary>Held by one churn operation at a time, and by a reachability check for its whole length: the pods a
    /// check pings neither come nor go meanwhile.</summary>
    private readonly SemaphoreSlim _churnGate = new(1, 1);

    /// <summary>Pods whose DEL failed (etcd down, say): still holding their address, retried before anything else,
    /// as a kubelet retries a DEL.</summary>
    private readonly HashSet<string> _deleting = [];

    private readonly List<ProcessSample> _witness = [];
    private volatile bool _etcdDown;

    public ChaosSoak(LabController lab, ChaosOptions options, Action<string> log)
    {
        options.Validate();
        if (lab.State.Datastore != LabDatastoreKind.Etcd || lab.State.Tor != TorKind.Bird)
            throw new ArgumentException("the chaos soak needs a lab on the etcd datastore with the BIRD ToR");
        if (!lab.State.Nodes.Any(n => n.Name == options.WitnessNode))
            throw new ArgumentException($"witness node {options.WitnessNode} is not in the lab");
        (_lab, _options, _log) = (lab, options, log);
        _report = new ChaosReport(options.Seed);
        _churnRandom = new Random(options.Seed);
        _faultRandom = new Random(unchecked(options.Seed * 31 + 7));
    }

    private LabState State => _lab.State;

    private void Log(string line) => _log($"[{_clock.Elapsed:hh\\:mm\\:ss}] {line}");

    public async Task<ChaosReport> RunAsync(CancellationToken ct)
    {
        _clock.Start();
        Log($"chaos for {_options.Duration.TotalMinutes:0.##} min, seed {_options.Seed}, witness {_options.WitnessNode}");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var sampler = SampleAsync(stop.Token);
        var churn = ChurnAsync(stop.Token, ct);
        try
        {
            await FaultsAsync(ct);
        }
        finally
        {
            await stop.CancelAsync();
            await Quietly(churn);
            await Quietly(sampler);
        }
        Log($"churn stopped: {LivePods().Count} live pods; final checks");
        await FinalChecksAsync(ct);
        _report.Elapsed = _clock.Elapsed;
        return _report;
    }

    private static async Task Quietly(Task task)
    {
        try
        {
            await task;
        }
        catch (OperationCanceledException)
        {
        }
    }

    // ---- churn -------------------------------------------------------------------------------------------------

    /// <summary>Operations until <paramref name="stop"/>; each runs to its end on <paramref name="ct"/> (an ADD cut off
    /// half way would leak its address, which is not what the soak is looking for).</summary>
    private async Task ChurnAsync(CancellationToken stop, CancellationToken ct)
    {
        while (!stop.IsCancellationRequested)
        {
            await _churnGate.WaitAsync(ct);
            try
            {
                await ChurnOnceAsync(ct);
            }
            finally
            {
                _churnGate.Release();
            }
            await Task.Delay(_options.ChurnInterval, stop);
        }
    }

    private async Task ChurnOnceAsync(CancellationToken ct)
    {
        if (PendingDelete() is { } retry)
        {
            await DeleteAsync(retry, ct);
            return;
        }
        var node = State.Nodes[_churnRandom.Next(State.Nodes.Count)].Name;
        var onNode = LivePods().Where(p => p.Node == node).ToList();
        var add = onNode.Count <= _options.MinPodsPerNode
            || (onNode.Count < _options.MaxPodsPerNode && _churnRandom.Next(2) == 0);
        if (add)
            await AddAsync(node, ct);
        else
            await DeleteAsync(onNode[_churnRandom.Next(onNode.Count)], ct);
    }

    private async Task AddAsync(string node, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            var pod = await _lab.AddPodAsync(node, ct);
            _report.Added(clock.Elapsed);
            // Every pod still holding an address counts, the ones whose DEL is pending too.
            var twin = State.Pods.FirstOrDefault(p => p.Name != pod.Name && p.Address == pod.Address);
            if (twin is not null)
                _report.Violation($"{pod.Address} handed to {pod.Name} while {twin.Name} holds it");
        }
        catch (CniException e) when (e.Code == 11 && _etcdDown)
        {
            _report.AddRefused();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _report.AddFailed();
            Log($"ADD on {node} failed: {e.Message}");
        }
    }

    private async Task DeleteAsync(LabPod pod, CancellationToken ct)
    {
        lock (_deleting)
            _deleting.Add(pod.Name);
        try
        {
            await _lab.DeletePodAsync(pod, ct);
            lock (_deleting)
                _deleting.Remove(pod.Name);
            _report.Deleted();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _report.DelFailed();
            if (!_etcdDown)
                Log($"DEL {pod.Name} failed (will retry): {e.Message}");
        }
    }

    private LabPod? PendingDelete()
    {
        lock (_deleting)
            return State.Pods.FirstOrDefault(p => _deleting.Contains(p.Name));
    }

    /// <summary>The pods that exist and are not being deleted: the ones that must reach each other.</summary>
    private List<LabPod> LivePods()
    {
        lock (_deleting)
            return State.Pods.Where(p => !_deleting.Contains(p.Name)).ToList();
    }

    // ---- faults ------------------------------------------------------------------------------------------------

    private async Task FaultsAsync(CancellationToken ct)
    {
        var victims = State.Nodes.Where(n => n.Name != _options.WitnessNode).Select(n => n.Name).ToList();
        var kinds = victims.Count > 0 ? Enum.GetValues<FaultKind>() : [FaultKind.TorRestart, FaultKind.EtcdRestart];
        while (true)
        {
            var gap = Between(_options.MinFaultGap, _options.MaxFaultGap);
            var hold = Between(_options.MinFaultHold, _options.MaxFaultHold);
            if (_clock.Elapsed + gap + hold >= _options.Duration)
                break;
            await Task.Delay(gap, ct);
            var kind = kinds[_faultRandom.Next(kinds.Length)];
            var victim = kind == FaultKind.NodeKill ? victims[_faultRandom.Next(victims.Count)] : null;
            var what = kind switch
            {
                FaultKind.NodeKill => $"SIGKILL l3net-node on {victim}",
                FaultKind.TorRestart => "SIGKILL BIRD",
                _ => "stop etcd",
            };
            Log($"fault: {what}, {hold.TotalSeconds:0.0} s");
            _report.Fault(kind);
            if (!await InjectAndRepairAsync(kind, victim, hold, ct))
                continue;
            await CheckReachabilityAsync($"after {what}", DateTime.UtcNow + _options.ReachWithin, ct);
        }
        if (_clock.Elapsed < _options.Duration)
            await Task.Delay(_options.Duration - _clock.Elapsed, ct);
    }

    private TimeSpan Between(TimeSpan min, TimeSpan max) => min + (max - min) * _faultRandom.NextDouble();

    /// <summary>The fault, its hold, its repair; false (and a violation) when the repaired part did not come back.</summary>
    private async Task<bool> InjectAndRepairAsync(FaultKind kind, string? victim, TimeSpan hold, CancellationToken ct)
    {
        try
        {
            switch (kind)
            {
                case FaultKind.NodeKill:
                    var daemon = _lab.Daemon(victim!);
                    await daemon.KillAsync();
                    await Task.Delay(hold, ct);
                    daemon.Start();
                    await daemon.WaitReadyAsync(TimeSpan.FromSeconds(30), ct);
                    break;
                case FaultKind.TorRestart:
                    // BIRD is down only for as long as a crash and a restart take; the hold is spent afterwards.
                    await _lab.Tor.CrashAndRestartAsync(ct);
                    break;
                default:
                    _etcdDown = true;
                    await _lab.Etcd.StopAsync();
                    await Task.Delay(hold, ct);
                    await _lab.Etcd.StartAsync(ct);
                    _etcdDown = false;
                    break;
            }
            return true;
        }
        catch (LabException e)
        {
            _report.Violation($"{kind} {victim}: did not come back: {e.Message}");
            return false;
        }
    }

    /// <summary>Pauses the churn and pings every pair of live pods until all answer; a pair that has not answered in a
    /// round started before <paramref name="deadline"/> is a violation.</summary>
    private async Task CheckReachabilityAsync(string when, DateTime deadline, CancellationToken ct)
    {
        await _churnGate.WaitAsync(ct);
        try
        {
            var pods = LivePods();
            var within = deadline - DateTime.UtcNow;
            var results = await PingMatrix.UntilAllOkAsync(PingMatrix.AllPairs(pods), within > TimeSpan.Zero ? within : TimeSpan.Zero, ct);
            var failed = results.Where(r => !r.Ok).ToList();
            if (failed.Count > 0)
            {
                var pairs = string.Join(", ", failed.Take(8).Select(r => $"{r.From.Name}({r.From.Address})->{r.To.Name}({r.To.Address})"));
                _report.Violation($"{when}: {failed.Count} of {results.Count} pod pairs unreachable {_options.ReachWithin.TotalSeconds:0} s after: {pairs}");
                Log($"{when}: {failed.Count} pairs unreachable; {await ReachableAgainAsync(failed, ct)}");
            }
        }
        finally
        {
            _churnGate.Release();
        }
    }

    /// <summary>For the log: whether the failed pairs recover at all within a minute, and how long it took.</summary>
    private async Task<string> ReachableAgainAsync(IReadOnlyList<PingResult> failed, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var again = await PingMatrix.UntilAllOkAsync(failed.Select(r => (r.From, r.To)), TimeSpan.FromSeconds(60), ct);
        return again.All(r => r.Ok) ? $"all reachable again {clock.Elapsed.TotalSeconds:0.0} s later" : $"{again.Count(r => !r.Ok)} still unreachable after 60 s";
    }

    // ---- samples and the final checks --------------------------------------------------------------------------

    private async Task SampleAsync(CancellationToken ct)
    {
        var witness = State.Node(_options.WitnessNode);
        while (!ct.IsCancellationRequested)
        {
            if (Exec.RunningPid(witness.PidFile) is { } pid && ProcessSample.Read(pid, _clock.Elapsed) is { } sample)
            {
                lock (_witness)
                    _witness.Add(sample);
            }
            await Task.Delay(_options.SampleInterval, ct);
        }
    }

    private async Task FinalChecksAsync(CancellationToken ct)
    {
        // DELs that failed during an outage are retried, as a kubelet would, before anything is judged.
        for (var i = 0; i < 20 && PendingDelete() is { } pod; i++)
            await DeleteAsync(pod, ct);
        if (PendingDelete() is { } stuck)
            _report.Violation($"DEL {stuck.Name} still fails with the datastore up");

        var converged = await _lab.WaitConvergedAsync(TimeSpan.FromSeconds(60), ct);
        if (!converged.Converged)
            _report.Violation("BGP sessions not all Established 60 s after the churn stopped");
        await CheckReachabilityAsync("at the end", DateTime.UtcNow + _options.ReachWithin, ct);
        await CheckIpamAsync(ct);
        await CheckRoutesAsync(ct);

        List<ProcessSample> samples;
        lock (_witness)
            samples = [.. _witness];
        if (Invariants.RssGrowing(samples, _options, out var rss) is { } rssFinding)
            _report.Violation($"{_options.WitnessNode}: {rssFinding}");
        if (Invariants.FdsLeaking(samples, _options, out var fds) is { } fdFinding)
            _report.Violation($"{_options.WitnessNode}: {fdFinding}");
        _report.Notes.Add($"{_options.WitnessNode} (never killed): {rss}; {fds}");
    }

    private async Task CheckIpamAsync(CancellationToken ct)
    {
        await using var store = LabDatastore.Open(_lab.Plan);
        var report = await new IpamService(store.Store).CheckAsync(TimeSpan.Zero, ct);
        _report.Notes.Add($"ipam check: {report.Blocks} blocks, {report.Allocated} addresses assigned for {State.Pods.Count} live pods");
        if (!report.Clean)
            _report.Violation("ipam check: " + report.ToString().Replace('\n', ';'));
    }

    /// <summary>No host route into the pool, in any node's kernel or the ToR's, whose pod is gone. BGP withdrawals
    /// take a moment to travel, so the check is repeated for up to 10 s before it counts.</summary>
    private async Task CheckRoutesAsync(CancellationToken ct)
    {
        var live = State.Pods.Select(p => p.Address).ToHashSet();
        var namespaces = State.Nodes.Select(n => n.Namespace).Append(_lab.Plan.TorNamespace).ToList();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        List<string> stale;
        do
        {
            stale = [];
            foreach (var ns in namespaces)
            {
                var routes = (await Exec.RunAsync("ip", ["-n", ns, "-4", "route", "show"], ct: ct)).EnsureOk($"ip -n {ns} route").Stdout.Split('\n');
                stale.AddRange(Invariants.RoutesToDeadPods(routes, live).Select(r => $"{ns}: {r}"));
            }
            if (stale.Count > 0)
                await Task.Delay(500, ct);
        }
        while (stale.Count > 0 && DateTime.UtcNow < deadline);
        foreach (var route in stale)
            _report.Violation($"route to a deleted pod: {route}");
    }
}
