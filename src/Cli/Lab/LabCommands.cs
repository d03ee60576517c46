using System.CommandLine;
using System.Diagnostics;
using L3Net.Lab;

namespace L3Net.Cli.Lab;

/// <summary><c>l3netctl lab up|status|ping|down</c>: the local multi-node lab (src/Lab builds and drives it).</summary>
public static class LabCommands
{
    /// <summary>How long <c>lab up</c> and <c>lab ping</c> give the fabric to converge before reporting.</summary>
    private static readonly TimeSpan Convergence = TimeSpan.FromSeconds(60);

    public static Command Build(CliContext context)
    {
        var name = new Option<string>("--name")
        {
            Description = "lab name: prefix of its namespaces and its directory under " + LabOptions.DefaultStateRoot,
            DefaultValueFactory = _ => LabOptions.DefaultName,
            Recursive = true,
        };
        return new Command("lab", "a multi-node L3Net lab in network namespaces behind a BIRD or FRR top-of-rack router")
        {
            name, Up(context, name), Status(context, name), Ping(context, name), Down(context, name),
        };
    }

    private static Command Up(CliContext context, Option<string> name)
    {
        var nodes = new Option<int>("--nodes") { Description = "node namespaces, each running l3net-node", DefaultValueFactory = _ => 3 };
        var pods = new Option<int>("--pods-per-node") { Description = "pods created per node through the l3net CNI plugin", DefaultValueFactory = _ => 2 };
        var topology = new Option<Topology>("--topology")
        {
            Description = "tor: eBGP, one AS per node, to the ToR; mesh: iBGP node-to-node mesh; rr: node1 reflects routes; " +
                "dual-tor: two racks of two ToRs under a spine, every node multipathed over both ToRs of its rack",
            DefaultValueFactory = _ => Topology.Tor,
            CustomParser = r =>
            {
                try
                {
                    return LabOptions.ParseTopology(r.Tokens[0].Value);
                }
                catch (ArgumentException e)
                {
                    r.AddError(e.Message);
                    return Topology.Tor;
                }
            },
        };
        var tor = new Option<TorKind>("--tor") { Description = "top-of-rack router (and spine): bird or frr", DefaultValueFactory = _ => TorKind.Bird };
        var bfd = new Option<bool>("--bfd") { Description = $"BFD ({TorRouter.BfdIntervalMs} ms x {TorRouter.BfdMultiplier}) on every node-to-ToR session (--tor bird)" };
        var up = new Command("up", "build the lab (clearing a previous one of the same name), then show it working")
        {
            nodes, pods, topology, tor, bfd,
        };
        up.SetAction(async (parse, ct) =>
        {
            var clock = Stopwatch.StartNew();
            var options = new LabOptions
            {
                Name = parse.GetValue(name)!,
                Nodes = parse.GetValue(nodes),
                PodsPerNode = parse.GetValue(pods),
                Topology = parse.GetValue(topology),
                Tor = parse.GetValue(tor),
                Bfd = parse.GetValue(bfd),
                Datastore = LabOptions.ParseDatastore(parse.GetValue(context.DatastoreOption) ?? "sqlite"),
            };
            var lab = await Guard(() => LabController.UpAsync(options, context.Console.Out.WriteLine, ct), options.Name);
            var status = await lab.WaitConvergedAsync(Convergence, ct);
            var ping = await lab.PingAsync(Convergence, ct);
            LabReport.Write(status, context.Console);
            LabReport.WritePing(ping, context.Console);
            context.Console.Out.WriteLine();
            context.Console.Out.WriteLine($"lab '{options.Name}' up in {clock.Elapsed.TotalSeconds:0.0} s. " +
                $"Next: l3netctl lab status | lab ping | lab down; a pod's shell: ip netns exec {lab.State.Pods.FirstOrDefault()?.Namespace ?? lab.Plan.TorNamespace} sh");
            return ping.All(p => p.Ok) ? 0 : (int)ExitCode.Failure;
        });
        return up;
    }

    private static Command Status(CliContext context, Option<string> name)
    {
        var status = new Command("status", "BGP sessions (the nodes' and the ToR's), the ToR's routing table, the pods");
        status.SetAction(async (parse, ct) =>
        {
            LabReport.Write(await Find(parse.GetValue(name)!).StatusAsync(ct), context.Console);
            return 0;
        });
        return status;
    }

    private static Command Ping(CliContext context, Option<string> name)
    {
        var ping = new Command("ping", "ping every pod from every pod; exits non-zero when any pair fails");
        ping.SetAction(async (parse, ct) =>
        {
            var results = await PingMatrix.RunAsync(PingMatrix.AllPairs(Find(parse.GetValue(name)!).State.Pods), ct);
            LabReport.WritePing(results, context.Console);
            return results.All(p => p.Ok) ? 0 : (int)ExitCode.Failure;
        });
        return ping;
    }

    private static Command Down(CliContext context, Option<string> name)
    {
        var down = new Command("down", "remove every namespace, process and file of the lab");
        down.SetAction(async parse =>
        {
            await LabCleanup.DownAsync(parse.GetValue(name)!);
            context.Console.Out.WriteLine($"lab '{parse.GetValue(name)}' removed");
            return 0;
        });
        return down;
    }

    private static LabController Find(string name) => LabController.Find(name)
        ?? throw new CliException(ExitCode.NotFound, $"no lab '{name}' is running (start one with: l3netctl lab up)");

    /// <summary>A lab step that failed is the user's one line; the half-built lab stays for its logs.</summary>
    private static async Task<T> Guard<T>(Func<Task<T>> step, string name)
    {
        try
        {
            return await step();
        }
        catch (Exception e) when (e is LabException or ArgumentException)
        {
            throw new CliException(e is ArgumentException ? ExitCode.Usage : ExitCode.Failure,
                $"{e.Message}\n(logs under {Path.Combine(LabOptions.DefaultStateRoot, name)}; 'l3netctl lab down' removes the lab)", e);
        }
    }
}
