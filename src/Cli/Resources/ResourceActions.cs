using System.Text.Json;
using System.Text.Json.Nodes;
using L3Net.Datastore;
using L3Net.Ipam;
using L3Net.Model.Resources;
using L3Net.Model.Serialization;
using L3Net.Model.Validation;

namespace L3Net.Cli.Resources;

/// <summary>What create/apply/replace/delete/patch do to one resource, with errors phrased for the user
/// ("IPPool 'default' already exists") instead of datastore keys.</summary>
public sealed class ResourceActions(IDatastore datastore)
{
    private const int PatchAttempts = 5;
    private readonly ResourceStore _store = new(datastore);

    public static string Describe(KindInfo kind, string name, string? ns) =>
        kind.Namespaced ? $"{kind.Kind} '{ns}/{name}'" : $"{kind.Kind} '{name}'";

    public static string Describe(Resource r) => Describe(ResourceKinds.Of(r.GetType()), r.Metadata.Name, r.Metadata.Namespace);

    public static string Ref(Resource r) => $"{r.Kind.ToLowerInvariant()}/{r.Metadata.Name}";

    public ResourceStore Store => _store;

    public async Task<Resource> GetAsync(KindInfo kind, string name, string? ns, CancellationToken ct) =>
        await _store.GetAsync(kind, name, ns, ct)
        ?? throw new CliException(ExitCode.NotFound, $"{Describe(kind, name, ns)} not found");

    public async Task<string> CreateAsync(Resource r, CancellationToken ct)
    {
        r.Metadata.ResourceVersion = null;
        await Explain(r, () => _store.CreateAsync(r, ct));
        return "created";
    }

    /// <summary>Upsert; a resource whose content already matches is left alone, so re-applying the output of
    /// <c>get -o yaml</c> writes nothing and keeps the revision.</summary>
    public async Task<string> ApplyAsync(Resource r, CancellationToken ct)
    {
        var current = await _store.GetAsync(ResourceKinds.Of(r.GetType()), r.Metadata.Name, r.Metadata.Namespace, ct);
        if (current is not null && ResourceJson.SameContent(current, r))
            return "unchanged";
        r.Metadata.ResourceVersion = null;
        await Explain(r, () => _store.ApplyAsync(r, ct));
        return current is null ? "created" : "configured";
    }

    /// <summary>Replaces an existing resource: compare-and-swap on the manifest's resourceVersion when it has one,
    /// else on the version just read.</summary>
    public async Task<string> ReplaceAsync(Resource r, CancellationToken ct)
    {
        var current = await GetAsync(ResourceKinds.Of(r.GetType()), r.Metadata.Name, r.Metadata.Namespace, ct);
        r.Metadata.ResourceVersion ??= current.Metadata.ResourceVersion;
        r.Metadata.CreationTimestamp ??= current.Metadata.CreationTimestamp;
        await Explain(r, () => _store.UpdateAsync(r, ct));
        return "replaced";
    }

    /// <summary>Deletes; IP pools go through IPAM, which refuses while addresses are assigned from them.</summary>
    public async Task<bool> DeleteAsync(KindInfo kind, string name, string? ns, bool ignoreNotFound, CancellationToken ct)
    {
        try
        {
            if (kind.ClrType == typeof(IPPool))
                await new IpamService(datastore).DeletePoolAsync(name, ct);
            else
                await _store.DeleteAsync(kind, name, ns, ct);
            return true;
        }
        catch (NotFoundException) when (ignoreNotFound)
        {
            return false;
        }
        catch (NotFoundException e)
        {
            throw new CliException(ExitCode.NotFound, $"{Describe(kind, name, ns)} not found", e);
        }
    }

    /// <summary>RFC 7386 merge patch on the current state, written with compare-and-swap and retried when someone
    /// else wrote in between (the patch applies to whatever is current).</summary>
    public async Task<string> PatchAsync(KindInfo kind, string name, string? ns, string patchText, CancellationToken ct)
    {
        JsonNode? patch;
        try
        {
            patch = JsonNode.Parse(patchText);
        }
        catch (JsonException e)
        {
            throw new CliException(ExitCode.InvalidResource, $"the patch is not valid JSON: {e.Message}", e);
        }
        for (var attempt = 1; ; attempt++)
        {
            var current = await GetAsync(kind, name, ns, ct);
            var merged = JsonMergePatch.Apply(ResourceJson.ToNode(current), patch);
            // Back through the codec (JSON is YAML): the patched resource is read and validated like a manifest.
            var patched = ResourceCodec.Parse(merged?.ToJsonString() ?? "null", "patched resource").Resources.Single();
            if (patched.Metadata.Name != current.Metadata.Name || patched.Metadata.Namespace != current.Metadata.Namespace)
                throw new CliException(ExitCode.InvalidResource, "a patch may not change metadata.name or metadata.namespace");
            if (ResourceJson.SameContent(current, patched))
                return "unchanged";
            patched.Metadata.ResourceVersion = current.Metadata.ResourceVersion;
            try
            {
                await Explain(patched, () => _store.UpdateAsync(patched, ct));
                return "patched";
            }
            catch (CliException e) when (e.Code == ExitCode.Conflict && attempt < PatchAttempts)
            {
            }
        }
    }

    private static async Task Explain(Resource r, Func<Task> write)
    {
        try
        {
            await write();
        }
        catch (AlreadyExistsException e)
        {
            throw new CliException(ExitCode.AlreadyExists, $"{Describe(r)} already exists", e);
        }
        catch (NotFoundException e)
        {
            throw new CliException(ExitCode.NotFound, $"{Describe(r)} not found", e);
        }
        catch (ConflictException e)
        {
            throw new CliException(ExitCode.Conflict,
                $"{Describe(r)} was changed since resourceVersion {e.ExpectedRevision} was read (now {e.ActualRevision}): get it again and retry", e);
        }
        catch (ResourceValidationException e)
        {
            throw new CliException(ExitCode.InvalidResource, e.Message, e);
        }
    }
}
