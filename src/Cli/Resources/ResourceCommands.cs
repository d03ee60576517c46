using System.CommandLine;
using L3Net.Cli.Output;
using L3Net.Model.Resources;
using L3Net.Model.Selectors;

namespace L3Net.Cli.Resources;

/// <summary>calicoctl-style <c>get|create|apply|replace|delete|patch</c> for every resource kind.</summary>
public static class ResourceCommands
{
    public static Command Get(CliContext context)
    {
        var (kind, names, files, ns) = (KindArgument(), NamesArgument(), FilesOption(required: false), NamespaceOption());
        var all = new Option<bool>("--all-namespaces", "-A") { Description = "list namespaced kinds across all namespaces" };
        var output = new Option<OutputFormat>("--output", "-o") { Description = "table, wide, yaml, json or name", DefaultValueFactory = _ => OutputFormat.Table };
        var selector = new Option<string?>("--selector", "-l") { Description = "only resources whose labels match (Calico syntax: rack == 'r1' && has(tor))" };
        var command = new Command("get", "show resources: l3netctl get ippools, l3netctl get bgppeer NAME -o yaml") { kind, names, files, ns, all, output, selector };
        command.SetAction(async (parse, ct) =>
        {
            await using var datastore = context.OpenDatastore(parse);
            var actions = new ResourceActions(datastore);
            var items = new List<Resource>();
            var single = false;
            if (parse.GetValue(files) is { Length: > 0 } paths)
                foreach (var m in await ManifestFiles.ReadAsync(paths, context.Console, ct))
                    items.Add(await actions.GetAsync(ResourceKinds.Of(m.Resource.GetType()), m.Resource.Metadata.Name, Namespace(m.Resource, parse.GetValue(ns)), ct));
            else
            {
                var info = ResolveKind(parse.GetValue(kind), "get");
                var space = info.Namespaced && !parse.GetValue(all) ? parse.GetValue(ns) ?? "default" : null;
                var wanted = parse.GetValue(names) ?? [];
                single = wanted.Length == 1;
                foreach (var name in wanted)
                    items.Add(await actions.GetAsync(info, name, space ?? parse.GetValue(ns) ?? "default", ct));
                if (wanted.Length == 0)
                    items.AddRange((await actions.Store.ListAsync(info, space, ct)).Items
                        .OrderBy(r => r.Metadata.Namespace, StringComparer.Ordinal).ThenBy(r => r.Metadata.Name, StringComparer.Ordinal));
            }
            if (parse.GetValue(selector) is { } text)
            {
                if (!LabelSelector.TryParse(text, out var sel, out var error))
                    throw new CliException(ExitCode.Usage, $"--selector: {error}");
                items.RemoveAll(r => !sel.Matches(r.Metadata.Labels));
            }
            await ResourcePrinter.WriteAsync(items, parse.GetValue(output), single, parse.GetValue(all), actions, context.Console, ct);
            return 0;
        });
        return command;
    }

    public static Command Create(CliContext context) =>
        Write(context, "create", "create resources from manifests; fails when one exists", (a, r, ct) => a.CreateAsync(r, ct));

    public static Command Apply(CliContext context) =>
        Write(context, "apply", "create or update resources from manifests (Calico projectcalico.org/v3 manifests too)", (a, r, ct) => a.ApplyAsync(r, ct));

    public static Command Replace(CliContext context) =>
        Write(context, "replace", "replace existing resources from manifests; fails when one is absent or changed since its resourceVersion", (a, r, ct) => a.ReplaceAsync(r, ct));

    public static Command Delete(CliContext context)
    {
        var (kind, names, files, ns) = (KindArgument(), NamesArgument(), FilesOption(required: false), NamespaceOption());
        var ignore = new Option<bool>("--ignore-not-found") { Description = "do not fail on resources that do not exist" };
        var command = new Command("delete", "delete resources by kind and name, or those a manifest names") { kind, names, files, ns, ignore };
        command.SetAction(async (parse, ct) =>
        {
            await using var datastore = context.OpenDatastore(parse);
            var actions = new ResourceActions(datastore);
            var targets = new List<(KindInfo Kind, string Name, string? Ns)>();
            if (parse.GetValue(files) is { Length: > 0 } paths)
                targets.AddRange((await ManifestFiles.ReadAsync(paths, context.Console, ct)).Select(m =>
                    (ResourceKinds.Of(m.Resource.GetType()), m.Resource.Metadata.Name, Namespace(m.Resource, parse.GetValue(ns)))));
            else
            {
                var info = ResolveKind(parse.GetValue(kind), "delete");
                var wanted = parse.GetValue(names) ?? [];
                if (wanted.Length == 0)
                    throw new CliException(ExitCode.Usage, $"name the {info.Kind} to delete: l3netctl delete {info.Kind.ToLowerInvariant()} NAME");
                targets.AddRange(wanted.Select(n => (info, n, info.Namespaced ? parse.GetValue(ns) ?? "default" : null)));
            }
            foreach (var (info, name, space) in targets)
                if (await actions.DeleteAsync(info, name, space, parse.GetValue(ignore), ct))
                    context.Console.Out.WriteLine($"{info.Kind.ToLowerInvariant()}/{name} deleted");
            return 0;
        });
        return command;
    }

    public static Command Patch(CliContext context)
    {
        var (kind, ns) = (KindArgument(), NamespaceOption());
        var name = new Argument<string>("name") { Description = "the resource to patch" };
        var patch = new Option<string>("--patch", "-p") { Description = "a JSON merge patch, e.g. '{\"spec\":{\"disabled\":true}}'", Required = true };
        var command = new Command("patch", "change fields of one resource with a JSON merge patch (RFC 7386)") { kind, name, ns, patch };
        command.SetAction(async (parse, ct) =>
        {
            await using var datastore = context.OpenDatastore(parse);
            var info = ResolveKind(parse.GetValue(kind), "patch");
            var target = parse.GetValue(name)!;
            var result = await new ResourceActions(datastore).PatchAsync(info, target,
                info.Namespaced ? parse.GetValue(ns) ?? "default" : null, parse.GetValue(patch)!, ct);
            context.Console.Out.WriteLine($"{info.Kind.ToLowerInvariant()}/{target} {result}");
            return 0;
        });
        return command;
    }

    private static Command Write(CliContext context, string verb, string description, Func<ResourceActions, Resource, CancellationToken, Task<string>> act)
    {
        var (files, ns) = (FilesOption(required: true), NamespaceOption());
        var command = new Command(verb, description) { files, ns };
        command.SetAction(async (parse, ct) =>
        {
            var manifests = await ManifestFiles.ReadAsync(parse.GetValue(files)!, context.Console, ct);
            await using var datastore = context.OpenDatastore(parse);
            var actions = new ResourceActions(datastore);
            foreach (var m in manifests)
            {
                m.Resource.Metadata.Namespace = Namespace(m.Resource, parse.GetValue(ns));
                string result;
                try
                {
                    result = await act(actions, m.Resource, ct);
                }
                catch (CliException e)
                {
                    // Name the file: with many manifests the user must know which one failed.
                    throw new CliException(e.Code, $"{m.Source}: {e.Message}", e);
                }
                context.Console.Out.WriteLine($"{ResourceActions.Ref(m.Resource)} {result}");
            }
            return 0;
        });
        return command;
    }

    /// <summary>A namespaced resource's namespace: its own, else <c>-n</c>, else <c>default</c>; none otherwise.</summary>
    private static string? Namespace(Resource r, string? flag) =>
        ResourceKinds.Of(r.GetType()).Namespaced ? r.Metadata.Namespace ?? flag ?? "default" : null;

    private static KindInfo ResolveKind(string? name, string verb)
    {
        if (string.IsNullOrEmpty(name))
            throw new CliException(ExitCode.Usage, $"name a resource kind or give -f FILE: l3netctl {verb} ippools");
        return ResourceKinds.TryResolve(name) ?? throw new CliException(ExitCode.Usage,
            $"unknown resource kind '{name}' (known: {string.Join(", ", ResourceKinds.All.Select(k => k.Plural.ToLowerInvariant()))})");
    }

    private static Argument<string?> KindArgument()
    {
        var kind = new Argument<string?>("kind") { Description = "ippool(s)/ipp, bgppeer(s), bgpconfiguration(s), node(s), workloadendpoint(s)/wep, networkpolicy(ies)", Arity = ArgumentArity.ZeroOrOne };
        kind.CompletionSources.Add(_ => ResourceKinds.All.Select(k => k.Plural.ToLowerInvariant()));
        return kind;
    }

    private static Argument<string[]> NamesArgument() => new("name") { Description = "resource names (all when none)", Arity = ArgumentArity.ZeroOrMore };

    private static Option<string[]> FilesOption(bool required) => new("--filename", "-f")
    {
        Description = "a YAML/JSON manifest file, a directory of them, or - for standard input (repeatable)",
        Required = required,
    };

    private static Option<string?> NamespaceOption() => new("--namespace", "-n") { Description = "namespace of namespaced kinds (default: default)" };
}
