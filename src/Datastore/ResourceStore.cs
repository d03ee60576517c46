using System.Runtime.CompilerServices;
using System.Text.Json;
using L3Net.Model.Resources;
using L3Net.Model.Validation;

namespace L3Net.Datastore;

/// <summary>A list of one kind read at one store revision: watch from <c>Revision + 1</c> to miss nothing.</summary>
public sealed record ResourceList<T>(IReadOnlyList<T> Items, long Revision) where T : Resource;

/// <summary>A change to one resource. On delete, <see cref="Resource"/> is null and only the name is known.</summary>
public sealed record ResourceEvent<T>(WatchEventType Type, string Name, string? Namespace, T? Resource, long Revision)
    where T : Resource;

/// <summary>
/// Typed resources over an <see cref="IDatastore"/>: keys from <see cref="KindInfo.Key"/>, values in the
/// source-generated JSON storage form, <c>Metadata.ResourceVersion</c> = the datastore revision (decimal). Every
/// write validates first. Writes set the new ResourceVersion on the object passed in and return it.
/// </summary>
public sealed class ResourceStore(IDatastore store)
{
    public IDatastore Datastore => store;

    public async Task<T?> GetAsync<T>(string name, string? @namespace = null, CancellationToken ct = default)
        where T : Resource
        => (T?)await GetAsync(ResourceKinds.Of<T>(), name, @namespace, ct);

    public async Task<Resource?> GetAsync(KindInfo kind, string name, string? @namespace = null, CancellationToken ct = default)
        => await store.GetAsync(kind.Key(name, @namespace), ct) is { } kv ? Decode(kind, kv.Value, kv.Revision) : null;

    /// <summary>Every resource of the kind (of one namespace, or all when null), consistent at one revision.</summary>
    public async Task<ResourceList<T>> ListAsync<T>(string? @namespace = null, CancellationToken ct = default)
        where T : Resource
    {
        var list = await ListAsync(ResourceKinds.Of<T>(), @namespace, ct);
        return new ResourceList<T>(list.Items.Cast<T>().ToList(), list.Revision);
    }

    public async Task<ResourceList<Resource>> ListAsync(KindInfo kind, string? @namespace = null, CancellationToken ct = default)
    {
        var prefix = @namespace is null || !kind.Namespaced ? kind.KeyPrefix : $"{kind.KeyPrefix}{@namespace}/";
        var list = await store.ListAsync(prefix, ct);
        return new ResourceList<Resource>(list.Items.Select(kv => Decode(kind, kv.Value, kv.Revision)).ToList(), list.Revision);
    }

    /// <summary>Creates the resource; <see cref="AlreadyExistsException"/> when the name is taken.</summary>
    public async Task<T> CreateAsync<T>(T resource, CancellationToken ct = default) where T : Resource
    {
        var kind = await CheckAsync(resource, ct);
        resource.Metadata.CreationTimestamp ??= DateTimeOffset.UtcNow;
        var revision = await store.CreateAsync(KeyOf(kind, resource), Encode(kind, resource), ct);
        resource.Metadata.ResourceVersion = revision.ToString();
        return resource;
    }

    /// <summary>Replaces the resource if it is unchanged since <c>Metadata.ResourceVersion</c> was read;
    /// <see cref="ConflictException"/> otherwise.</summary>
    public async Task<T> UpdateAsync<T>(T resource, CancellationToken ct = default) where T : Resource
    {
        var kind = await CheckAsync(resource, ct);
        if (!long.TryParse(resource.Metadata.ResourceVersion, out var expected))
            throw new ArgumentException($"{resource.Kind} '{resource.Metadata.Name}': update needs metadata.resourceVersion", nameof(resource));
        var revision = await store.UpdateAsync(KeyOf(kind, resource), Encode(kind, resource), expected, ct);
        resource.Metadata.ResourceVersion = revision.ToString();
        return resource;
    }

    /// <summary>Creates or replaces (last writer wins, the way <c>kubectl apply</c> does), keeping the creation time.</summary>
    public Task<T> ApplyAsync<T>(T resource, CancellationToken ct = default) where T : Resource
        => ApplyAsync(resource, assumeAbsent: false, ct);

    /// <summary>As <see cref="ApplyAsync{T}(T, CancellationToken)"/>; with <paramref name="assumeAbsent"/> the caller
    /// expects a new resource (a new pod's endpoint), so the first attempt creates without reading, and one found there
    /// is read and replaced.</summary>
    public async Task<T> ApplyAsync<T>(T resource, bool assumeAbsent, CancellationToken ct) where T : Resource
    {
        var kind = ResourceKinds.Of(resource.GetType());
        var created = resource.Metadata.CreationTimestamp;
        var unread = assumeAbsent;
        while (true)
        {
            var current = unread ? null : await GetAsync(kind, resource.Metadata.Name, resource.Metadata.Namespace, ct);
            unread = false;
            resource.Metadata.CreationTimestamp = created; // a failed create's own stamp must not replace the stored one
            try
            {
                if (current is null)
                    return await CreateAsync(resource, ct);
                resource.Metadata.ResourceVersion = current.Metadata.ResourceVersion;
                resource.Metadata.CreationTimestamp ??= current.Metadata.CreationTimestamp;
                return await UpdateAsync(resource, ct);
            }
            catch (Exception e) when (e is ConflictException or AlreadyExistsException or NotFoundException)
            {
                // One was there after all (an assumed absence), or someone else wrote in between: read again and retry.
            }
        }
    }

    /// <summary>Deletes the resource; <see cref="NotFoundException"/> when absent.</summary>
    public Task DeleteAsync<T>(string name, string? @namespace = null, CancellationToken ct = default) where T : Resource
        => DeleteAsync(ResourceKinds.Of<T>(), name, @namespace, ct);

    public async Task DeleteAsync(KindInfo kind, string name, string? @namespace = null, CancellationToken ct = default)
    {
        var key = kind.Key(name, @namespace);
        while (true)
        {
            var current = await store.GetAsync(key, ct) ?? throw new NotFoundException(key);
            try
            {
                await store.DeleteAsync(key, current.Revision, ct);
                return;
            }
            catch (ConflictException)
            {
                // Changed since read; delete what is there now.
            }
        }
    }

    /// <summary>Changes to resources of the kind from <paramref name="fromRevision"/> on (see <see cref="IDatastore.WatchAsync"/>).</summary>
    public async IAsyncEnumerable<ResourceEvent<T>> WatchAsync<T>(long fromRevision,
        [EnumeratorCancellation] CancellationToken ct = default) where T : Resource
    {
        var kind = ResourceKinds.Of<T>();
        await foreach (var change in store.WatchAsync(kind.KeyPrefix, fromRevision, ct))
        {
            var path = change.Key[kind.KeyPrefix.Length..].Split('/', 2);
            var (ns, name) = path.Length == 2 ? (path[0], path[1]) : (null, path[0]);
            var resource = change.Type == WatchEventType.Put ? (T)Decode(kind, change.Value, change.Revision) : null;
            yield return new ResourceEvent<T>(change.Type, name, ns, resource, change.Revision);
        }
    }

    /// <summary>Validates the resource, and for pools refuses overlap with the other enabled pools. The overlap check
    /// reads then writes, so two racing creations of overlapping pools can both pass, as in Calico.</summary>
    private async Task<KindInfo> CheckAsync(Resource resource, CancellationToken ct)
    {
        var kind = ResourceKinds.Of(resource.GetType());
        if (kind.Namespaced)
            resource.Metadata.Namespace ??= "default";
        ResourceValidator.EnsureValid(resource);
        // As in Calico, a peer password from a Secret exists only where Secrets do; elsewhere the node could never
        // read it and the session would never start.
        if (resource is BGPPeer { Spec.Password.SecretKeyRef: not null } && store is not Kubernetes.KubernetesDatastore)
            throw new ResourceValidationException($"BGPPeer '{resource.Metadata.Name}'",
                ["spec.password.secretKeyRef: Secrets exist only on the Kubernetes datastore; give spec.password.value on this one"]);
        if (resource is IPPool pool)
        {
            var others = await ListAsync<IPPool>(ct: ct);
            var overlaps = ResourceValidator.PoolOverlaps(pool, others.Items);
            if (overlaps.Count > 0)
                throw new ResourceValidationException($"IPPool '{pool.Metadata.Name}'", overlaps);
        }
        return kind;
    }

    private static string KeyOf(KindInfo kind, Resource resource) => kind.Key(resource.Metadata.Name, resource.Metadata.Namespace);

    /// <summary>The stored form leaves the resource version out: it is the key's revision, known only after the write.</summary>
    private static byte[] Encode(KindInfo kind, Resource resource)
    {
        var version = resource.Metadata.ResourceVersion;
        resource.Metadata.ResourceVersion = null;
        try
        {
            return JsonSerializer.SerializeToUtf8Bytes(resource, kind.JsonTypeInfo);
        }
        finally
        {
            resource.Metadata.ResourceVersion = version;
        }
    }

    /// <summary>A stored record of the kind as the resource it holds, for readers that follow the raw store (caches fed by
    /// <see cref="IDatastore.WatchAsync"/>).</summary>
    public static Resource Decode(KindInfo kind, KeyValue kv) => Decode(kind, kv.Value, kv.Revision);

    /// <summary>A copy that shares nothing with <paramref name="resource"/>: for a cache that renders a record anew
    /// while snapshots it handed out still hold the old one.</summary>
    public static T Copy<T>(T resource) where T : Resource
    {
        var kind = ResourceKinds.Of<T>();
        return (T)JsonSerializer.Deserialize(JsonSerializer.SerializeToUtf8Bytes(resource, kind.JsonTypeInfo), kind.JsonTypeInfo)!;
    }

    private static Resource Decode(KindInfo kind, ReadOnlyMemory<byte> value, long revision)
    {
        var resource = (Resource?)JsonSerializer.Deserialize(value.Span, kind.JsonTypeInfo)
                       ?? throw new DatastoreException($"a stored {kind.Kind} is null");
        resource.Metadata.ResourceVersion = revision.ToString();
        return resource;
    }
}
