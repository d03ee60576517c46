using System.CommandLine;
using System.CommandLine.Parsing;
using System.Net;
using L3Net.Datastore;
using L3Net.Ipam;
using L3Net.Model.Resources;

namespace L3Net.Cli.Ipam;

/// <summary><c>l3netctl ipam show|check|release|configure</c>.</summary>
public static class IpamCommands
{
    public static Command Build(CliContext context) =>
        new("ipam", "IP address management: usage, leak check and repair, manual release, configuration")
        {
            Show(context), Check(context), Release(context), Configure(context),
        };

    private static Command Show(CliContext context)
    {
        var showBlocks = new Option<bool>("--show-blocks") { Description = "list every block with its affine node and usage" };
        var showConfiguration = new Option<bool>("--show-configuration") { Description = "show the IPAM configuration (strict affinity, blocks per host)" };
        var ip = IpOption("show who holds this address");
        var command = new Command("show", "pool usage, blocks, the holder of one address, or the IPAM configuration") { showBlocks, showConfiguration, ip };
        command.SetAction(async (parse, ct) =>
        {
            await using var store = context.OpenDatastore(parse);
            if (parse.GetValue(showConfiguration))
            {
                IpamView.Configuration(await CurrentConfigurationAsync(new ResourceStore(store), ct)).WriteTo(context.Console);
                return 0;
            }
            var pools = (await new ResourceStore(store).ListAsync<IPPool>(ct: ct)).Items;
            var blocks = await new IpamService(store).ListBlocksAsync(ct);
            if (parse.GetValue(ip) is { } address)
                IpamView.WriteHolder(address, pools, blocks, context.Console.Out);
            else
                IpamView.Usage(pools, blocks, parse.GetValue(showBlocks)).WriteTo(context.Console);
            return 0;
        });
        return command;
    }

    private static Command Check(CliContext context)
    {
        var fix = new Option<bool>("--fix") { Description = "release leaked addresses, repair affinities and handles, delete empty unowned blocks" };
        var grace = new Option<TimeSpan>("--grace")
        {
            Description = "addresses younger than this are not leaks (a pod may be starting): 90s, 10m, 1h",
            DefaultValueFactory = _ => TimeSpan.FromMinutes(1),
            CustomParser = r => Duration.TryParse(r.Tokens[0].Value, out var t) ? t : Error(r, $"'{r.Tokens[0].Value}' is not a duration (e.g. 90s, 10m, 1h)", TimeSpan.Zero),
        };
        var command = new Command("check", "find leaked addresses, duplicates, orphan affinities (exit 9 when problems remain)") { fix, grace };
        command.SetAction(async (parse, ct) =>
        {
            await using var store = context.OpenDatastore(parse);
            var ipam = new IpamService(store);
            var report = await ipam.CheckAsync(parse.GetValue(grace), ct);
            CheckView.Write(report, context.Console);
            if (CheckView.Problems(report) > 0 && parse.GetValue(fix))
            {
                var fixedUp = await ipam.FixAsync(report, ct);
                context.Console.Out.WriteLine($"Fixed: {fixedUp.AddressesFreed} address(es) released, {fixedUp.AffinitiesFixed} affinity(ies) repaired, " +
                    $"{fixedUp.HandlesFixed} handle(s) recounted, {fixedUp.BlocksDeleted} empty block(s) deleted.");
                report = await ipam.CheckAsync(parse.GetValue(grace), ct);
                context.Console.Out.WriteLine(CheckView.Problems(report) == 0
                    ? "No problems remain."
                    : $"{CheckView.Problems(report)} problem(s) remain (duplicates are never fixed automatically).");
            }
            else if (CheckView.Problems(report) > 0)
                context.Console.Out.WriteLine("Run 'l3netctl ipam check --fix' to repair them.");
            return CheckView.Problems(report) == 0 ? 0 : (int)ExitCode.ProblemsFound;
        });
        return command;
    }

    private static Command Release(CliContext context)
    {
        var ip = IpOption("the address to release");
        ip.Required = true;
        var command = new Command("release", "release one address by hand (when its pod is gone but the address was not freed)") { ip };
        command.SetAction(async (parse, ct) =>
        {
            await using var store = context.OpenDatastore(parse);
            var address = parse.GetValue(ip)!;
            if (!await new IpamService(store).ReleaseAddressAsync(address, ct))
                throw new CliException(ExitCode.NotFound, $"IP {address} is not assigned");
            context.Console.Out.WriteLine($"Released IP {address}.");
            return 0;
        });
        return command;
    }

    /// <summary>calicoctl's <c>ipam configure</c>: changes the named settings of the IPAMConfiguration (creating it
    /// when absent) and leaves the others as they are.</summary>
    private static Command Configure(CliContext context)
    {
        // A string, not a bool: a bool option would take only true/false and leave "maybe" as a stray argument.
        var strict = new Option<string?>("--strictaffinity")
        {
            Description = "true: a node never borrows addresses from blocks it does not own",
            Validators = { r => { if (!bool.TryParse(r.GetValueOrDefault<string?>(), out _)) r.AddError($"--strictaffinity: '{r.GetValueOrDefault<string?>()}' is not true or false"); } },
        };
        var maxBlocks = new Option<int?>("--max-blocks-per-host")
        {
            Description = "how many blocks one node may own (0: no limit)",
            Validators = { r => { if (r.GetValueOrDefault<int?>() is < 0) r.AddError("--max-blocks-per-host: must be 0 (no limit) or more"); } },
        };
        var command = new Command("configure", "change the IPAM configuration (strict affinity, blocks per host)") { strict, maxBlocks };
        command.Validators.Add(r =>
        {
            if (r.GetResult(strict) is null && r.GetResult(maxBlocks) is null)
                r.AddError("give --strictaffinity=true|false and/or --max-blocks-per-host=N");
        });
        command.SetAction(async (parse, ct) =>
        {
            await using var store = context.OpenDatastore(parse);
            var resources = new ResourceStore(store);
            // Compare-and-swap on the version read, retried: a concurrent change to the other setting is kept.
            for (var attempt = 1; ; attempt++)
            {
                var config = await CurrentConfigurationAsync(resources, ct);
                config.Spec.StrictAffinity = parse.GetValue(strict) is { } flag ? bool.Parse(flag) : config.Spec.StrictAffinity;
                config.Spec.MaxBlocksPerHost = parse.GetValue(maxBlocks) ?? config.Spec.MaxBlocksPerHost;
                try
                {
                    if (config.Metadata.ResourceVersion is null)
                        await resources.CreateAsync(config, ct);
                    else
                        await resources.UpdateAsync(config, ct);
                    break;
                }
                catch (Exception e) when (e is ConflictException or AlreadyExistsException && attempt < 5)
                {
                }
            }
            IpamView.Configuration(await CurrentConfigurationAsync(resources, ct)).WriteTo(context.Console);
            return 0;
        });
        return command;
    }

    private static async Task<IPAMConfiguration> CurrentConfigurationAsync(ResourceStore resources, CancellationToken ct)
        => await resources.GetAsync<IPAMConfiguration>(IPAMConfiguration.DefaultName, ct: ct)
           ?? new IPAMConfiguration { Metadata = { Name = IPAMConfiguration.DefaultName } };

    private static Option<IPAddress> IpOption(string description) => new("--ip")
    {
        Description = description,
        CustomParser = r => IPAddress.TryParse(r.Tokens[0].Value, out var a) ? a : Error<IPAddress?>(r, $"'{r.Tokens[0].Value}' is not an IP address", null),
    };

    private static T Error<T>(ArgumentResult result, string message, T fallback)
    {
        result.AddError(message);
        return fallback;
    }
}
