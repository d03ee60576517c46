using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace L3Net.Tests.Unit.Kubernetes;

/// <summary>
/// A FAKE Kubernetes API server on 127.0.0.1 (no real one can run here) that replays the documented REST
/// behaviour the client depends on: objects with a store-wide resourceVersion, list with limit/continue, watch
/// from a resourceVersion with bookmarks and chunked streaming, 409 Conflict on a stale PUT or DELETE
/// precondition, 409 AlreadyExists, 404, and 410 Expired (as an ERROR event, like the real watch cache) once
/// history is compacted. Tests drive faults on purpose: drop every watch mid-stream, end watches cleanly
/// (server timeout), fail the next requests with 429/503, require a bearer token or a client certificate (TLS).
/// </summary>
public sealed class FakeKubeApiServer : IAsyncDisposable
{
    private sealed record Stored(string Collection, string? Ns, string Name, JsonObject Obj);
    private sealed record HistoryEntry(long Rv, string Type, string Collection, string? Ns, JsonObject Obj);
    private sealed record Watcher(string Collection, string? Ns, Func<JsonObject, bool> Filter, Channel<string?> Lines);

    private TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly Dictionary<string, bool> _served = []; // collection id -> namespaced
    private readonly SortedDictionary<string, Stored> _objects = new(StringComparer.Ordinal);
    private readonly List<HistoryEntry> _history = [];
    private readonly List<Watcher> _watchers = [];
    private readonly X509Certificate2? _tlsCert;
    private readonly bool _requireClientCert;
    private Task _acceptLoop;
    private long _rv = 1000;
    private long _compactedThrough;
    private int _failNext, _failCode;
    private int? _retryAfter;

    public FakeKubeApiServer(X509Certificate2? tlsCertificate = null, bool requireClientCertificate = false)
    {
        _tlsCert = tlsCertificate;
        _requireClientCert = requireClientCertificate;
        _listener.Start();
        Url = new Uri($"{(_tlsCert is null ? "http" : "https")}://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
        _acceptLoop = AcceptLoopAsync();
    }

    public Uri Url { get; }
    public string? RequiredToken { get; set; }

    /// <summary>While set, new watches are refused with 503 (a server restarting): lets history move on while a
    /// client is away.</summary>
    public bool RefuseWatches { get; set; }
    public List<string> Requests { get; } = [];
    public string? LastClientCertificateSubject { get; private set; }
    public long CurrentRevision { get { lock (_lock) return _rv; } }

    /// <summary>What a cluster admin's kubectl would do, for tests to arrange and change the cluster's own objects
    /// (Pods, Namespaces, Nodes, Secrets) that l3net only reads. <paramref name="collectionId"/> as in <see cref="Serve"/>.</summary>
    public JsonObject Put(string collectionId, string? ns, JsonObject obj) => Create(collectionId, ns, obj.DeepClone().AsObject()).Item2;

    public JsonObject? Read(string collectionId, string? ns, string name) => Get(collectionId, ns, name) is (200, var o) ? o : null;

    public void Update(string collectionId, string? ns, JsonObject obj) =>
        Replace(collectionId, ns, obj["metadata"]!["name"]!.GetValue<string>(), obj.DeepClone().AsObject());

    public void Remove(string collectionId, string? ns, string name) => Delete(collectionId, ns, name, null);

    /// <summary>The API server going down: the port closes and every watch is cut. State is kept for <see cref="Restart"/>.</summary>
    public async Task StopAsync()
    {
        var loop = _acceptLoop;
        _listener.Stop();
        CloseWatches(drop: true);
        await loop;
    }

    /// <summary>The API server back on the same port, with the same objects and history, as after a restart.</summary>
    public void Restart()
    {
        _listener = new TcpListener(IPAddress.Loopback, Url.Port);
        _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Start();
        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>How many watch requests arrived (each reconnection is one).</summary>
    /// <summary>A copy of <see cref="Requests"/>, safe to take while clients are sending.</summary>
    public IReadOnlyList<string> RequestLog() { lock (_lock) return [.. Requests]; }

    public int WatchRequests { get { lock (_lock) return Requests.Count(r => r.Contains("watch=true", StringComparison.Ordinal)); } }

    /// <summary>Serves a resource type; unknown types answer 404 like an API server without the CRD.</summary>
    public void Serve(string collectionId, bool namespaced) { lock (_lock) _served[collectionId] = namespaced; }

    /// <summary>Forgets history up to and including <paramref name="rv"/>: watches from there get 410.</summary>
    public void Compact(long rv) { lock (_lock) _compactedThrough = rv; }

    public void FailNext(int count, int code, int? retryAfterSeconds = null)
    {
        lock (_lock) (_failNext, _failCode, _retryAfter) = (count, code, retryAfterSeconds);
    }

    /// <summary>Cuts every open watch connection mid-stream, without the chunked terminator.</summary>
    public void DropWatches() => CloseWatches(drop: true);

    /// <summary>Ends every open watch cleanly, as the server does when timeoutSeconds pass.</summary>
    public void EndWatches() => CloseWatches(drop: false);

    public void SendBookmarks()
    {
        lock (_lock)
        {
            foreach (var w in _watchers)
                w.Lines.Writer.TryWrite(EventLine("BOOKMARK", new JsonObject { ["metadata"] = new JsonObject { ["resourceVersion"] = Rv(_rv) } }));
        }
    }

    public int OpenWatches { get { lock (_lock) return _watchers.Count; } }

    private void CloseWatches(bool drop)
    {
        lock (_lock)
        {
            foreach (var w in _watchers)
            {
                if (drop)
                    w.Lines.Writer.TryWrite(null);
                w.Lines.Writer.TryComplete();
            }
            _watchers.Clear();
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested || !_listener.Server.IsBound)
            {
                return; // disposed, or stopped (StopAsync)
            }
            _ = Task.Run(() => ServeConnectionAsync(client));
        }
    }

    private async Task ServeConnectionAsync(TcpClient client)
    {
        using var _ = client;
        try
        {
            Stream stream = client.GetStream();
            if (_tlsCert is not null)
            {
                var ssl = new SslStream(stream, false);
                await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificate = _tlsCert,
                    ClientCertificateRequired = _requireClientCert,
                    // Any client certificate is let in: the tests assert who presented it (LastClientCertificateSubject).
                    RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null || !_requireClientCert,
                }, _stop.Token);
                LastClientCertificateSubject = ssl.RemoteCertificate?.Subject;
                stream = ssl;
            }
            var request = await FakeHttp.ReadRequestAsync(stream, _stop.Token);
            if (request is null)
                return;
            await HandleAsync(request, stream);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or System.Security.Authentication.AuthenticationException)
        {
            // A client that went away, or the server stopping: nothing to answer.
        }
    }

    private async Task HandleAsync(FakeHttp.Request req, Stream stream)
    {
        lock (_lock)
            Requests.Add($"{req.Method} {req.Target}");
        if (RequiredToken is not null && req.Header("authorization") != $"Bearer {RequiredToken}")
        {
            await FakeHttp.RespondAsync(stream, 401, Status(401, "Unauthorized", "Unauthorized"));
            return;
        }
        int? retryAfter = null;
        var fail = 0;
        lock (_lock)
        {
            if (_failNext > 0)
            {
                _failNext--;
                (fail, retryAfter) = (_failCode, _retryAfter);
            }
        }
        if (fail != 0)
        {
            await FakeHttp.RespondAsync(stream, fail, Status(fail, fail == 429 ? "TooManyRequests" : "ServiceUnavailable", "injected failure"), retryAfter);
            return;
        }
        var (path, query) = FakeHttp.SplitTarget(req.Target);
        if (!TryParsePath(path, out var collection, out var ns, out var name))
        {
            await FakeHttp.RespondAsync(stream, 404, Status(404, "NotFound", "the server could not find the requested resource"));
            return;
        }
        if (req.Method == "GET" && name is null && query.GetValueOrDefault("watch") is "1" or "true")
        {
            if (RefuseWatches)
            {
                await FakeHttp.RespondAsync(stream, 503, Status(503, "ServiceUnavailable", "watches refused"));
                return;
            }
            await WatchAsync(stream, collection, ns, query);
            return;
        }
        var (code, body) = req.Method switch
        {
            "GET" when name is null => List(collection, ns, query),
            "GET" => Get(collection, ns, name),
            "POST" when name is null => Create(collection, ns, JsonNode.Parse(req.Body)!.AsObject()),
            "PUT" when name is not null => Replace(collection, ns, name, JsonNode.Parse(req.Body)!.AsObject()),
            "DELETE" when name is not null => Delete(collection, ns, name, req.Body.Length == 0 ? null : JsonNode.Parse(req.Body)!.AsObject()),
            _ => (405, Status(405, "MethodNotAllowed", $"{req.Method} not allowed on {path}")),
        };
        await FakeHttp.RespondAsync(stream, code, body);
    }

    /// <summary>/api/v1[/namespaces/NS]/PLURAL[/NAME] or /apis/G/V[/namespaces/NS]/PLURAL[/NAME].</summary>
    private bool TryParsePath(string path, out string collection, out string? ns, out string? name)
    {
        (collection, ns, name) = ("", null, null);
        var seg = path.Trim('/').Split('/').Select(Uri.UnescapeDataString).ToArray();
        var skip = seg.Length >= 2 && seg[0] == "api" ? 2 : seg.Length >= 3 && seg[0] == "apis" ? 3 : -1;
        if (skip < 0)
            return false;
        var rest = seg[skip..];
        if (rest.Length >= 3 && rest[0] == "namespaces")
        {
            ns = rest[1];
            rest = rest[2..];
        }
        if (rest.Length is 0 or > 2)
            return false;
        collection = string.Join('/', seg[..skip]) + "/" + rest[0];
        name = rest.Length == 2 ? rest[1] : null;
        lock (_lock)
            return _served.TryGetValue(collection, out var namespaced) && (namespaced || ns is null);
    }

    private static string ObjKey(string collection, string? ns, string name) => $"{collection}|{ns}|{name}";

    private (int, JsonObject) Get(string collection, string? ns, string name)
    {
        lock (_lock)
            return _objects.TryGetValue(ObjKey(collection, ns, name), out var s) ? (200, s.Obj.DeepClone().AsObject()) : NotFound(collection, name);
    }

    private (int, JsonObject) List(string collection, string? ns, Dictionary<string, string> query)
    {
        lock (_lock)
        {
            var all = _objects.Values.Where(s => s.Collection == collection && (ns is null || s.Ns == ns) && FieldsMatch(s.Obj, query)).ToList();
            var offset = query.TryGetValue("continue", out var c) ? int.Parse(c, CultureInfo.InvariantCulture) : 0;
            var limit = query.TryGetValue("limit", out var l) ? int.Parse(l, CultureInfo.InvariantCulture) : int.MaxValue;
            var page = all.Skip(offset).Take(limit).ToList();
            var meta = new JsonObject { ["resourceVersion"] = Rv(_rv) };
            if (offset + page.Count < all.Count)
                meta["continue"] = (offset + page.Count).ToString(CultureInfo.InvariantCulture);
            return (200, new JsonObject
            {
                ["kind"] = "List",
                ["apiVersion"] = "v1",
                ["metadata"] = meta,
                ["items"] = new JsonArray(page.Select(s => (JsonNode)s.Obj.DeepClone()).ToArray()),
            });
        }
    }

    private (int, JsonObject) Create(string collection, string? ns, JsonObject obj)
    {
        var name = obj["metadata"]?["name"]?.GetValue<string>() ?? "";
        if (obj["metadata"]?["resourceVersion"] is not null)
            return (400, Status(400, "BadRequest", "resourceVersion should not be set on objects to be created"));
        lock (_lock)
        {
            var key = ObjKey(collection, ns, name);
            if (_objects.ContainsKey(key))
                return (409, Status(409, "AlreadyExists", $"{collection} \"{name}\" already exists"));
            var meta = obj["metadata"]!.AsObject();
            if (ns is not null)
                meta["namespace"] = ns;
            // What a real server adds, so the client must cope with (and strip) it.
            meta["uid"] = Guid.NewGuid().ToString();
            meta["generation"] = 1;
            meta["creationTimestamp"] = "2026-01-01T00:00:00Z";
            meta["managedFields"] = new JsonArray(new JsonObject { ["manager"] = "l3net" });
            return (201, Commit("ADDED", collection, ns, name, obj));
        }
    }

    private (int, JsonObject) Replace(string collection, string? ns, string name, JsonObject obj)
    {
        lock (_lock)
        {
            if (!_objects.TryGetValue(ObjKey(collection, ns, name), out var current))
                return NotFound(collection, name);
            var sent = obj["metadata"]?["resourceVersion"]?.GetValue<string>();
            if (sent is not null && sent != current.Obj["metadata"]!["resourceVersion"]!.GetValue<string>())
                return Conflict(collection, name);
            var meta = obj["metadata"]!.AsObject();
            foreach (var field in new[] { "uid", "creationTimestamp", "generation", "managedFields", "namespace" })
            {
                if (current.Obj["metadata"]![field] is { } kept)
                    meta[field] = kept.DeepClone();
            }
            // An update that changes nothing writes nothing and keeps the resourceVersion, as the real server does.
            meta["resourceVersion"] = current.Obj["metadata"]!["resourceVersion"]!.DeepClone();
            if (JsonNode.DeepEquals(obj, current.Obj))
                return (200, current.Obj.DeepClone().AsObject());
            return (200, Commit("MODIFIED", collection, ns, name, obj));
        }
    }

    private (int, JsonObject) Delete(string collection, string? ns, string name, JsonObject? options)
    {
        lock (_lock)
        {
            if (!_objects.TryGetValue(ObjKey(collection, ns, name), out var current))
                return NotFound(collection, name);
            var precondition = options?["preconditions"]?["resourceVersion"]?.GetValue<string>();
            if (precondition is not null && precondition != current.Obj["metadata"]!["resourceVersion"]!.GetValue<string>())
                return Conflict(collection, name);
            Commit("DELETED", collection, ns, name, current.Obj.DeepClone().AsObject());
            return (200, Status(200, "", "deleted"));
        }
    }

    /// <summary>Stores (or for DELETED removes) the object at a new revision and tells the watchers.</summary>
    private JsonObject Commit(string type, string collection, string? ns, string name, JsonObject obj)
    {
        obj["metadata"]!["resourceVersion"] = Rv(++_rv);
        var key = ObjKey(collection, ns, name);
        if (type == "DELETED")
            _objects.Remove(key);
        else
            _objects[key] = new Stored(collection, ns, name, obj);
        var entry = new HistoryEntry(_rv, type, collection, ns, obj.DeepClone().AsObject());
        _history.Add(entry);
        foreach (var w in _watchers.Where(w => w.Collection == collection && (w.Ns is null || w.Ns == ns) && w.Filter(entry.Obj)))
            w.Lines.Writer.TryWrite(EventLine(type, entry.Obj));
        return obj.DeepClone().AsObject();
    }

    private async Task WatchAsync(Stream stream, string collection, string? ns, Dictionary<string, string> query)
    {
        var from = long.Parse(query.GetValueOrDefault("resourceVersion", "0"), CultureInfo.InvariantCulture);
        var bookmarks = query.GetValueOrDefault("allowWatchBookmarks") == "true";
        var watcher = new Watcher(collection, ns, o => FieldsMatch(o, query), Channel.CreateUnbounded<string?>());
        lock (_lock)
        {
            if (from < _compactedThrough)
                watcher.Lines.Writer.TryWrite(EventLine("ERROR", Status(410, "Expired", $"too old resource version: {from} ({_compactedThrough})")));
            else
            {
                foreach (var h in _history.Where(h => h.Rv > from && h.Collection == collection && (ns is null || h.Ns == ns) && watcher.Filter(h.Obj)))
                    watcher.Lines.Writer.TryWrite(EventLine(h.Type, h.Obj));
                _watchers.Add(watcher);
            }
            if (from < _compactedThrough)
                watcher.Lines.Writer.TryComplete();
        }
        await FakeHttp.StartChunkedAsync(stream);
        await foreach (var line in watcher.Lines.Reader.ReadAllAsync(_stop.Token))
        {
            if (line is null)
                return; // dropped: no terminator, the client sees a truncated stream
            if (!bookmarks && line.Contains("\"BOOKMARK\"", StringComparison.Ordinal))
                continue;
            await FakeHttp.WriteChunkAsync(stream, line + "\n");
        }
        await FakeHttp.EndChunkedAsync(stream);
    }

    /// <summary>fieldSelector=a.b=value (one term, equality), as the node daemon uses spec.nodeName=NODE.</summary>
    private static bool FieldsMatch(JsonObject obj, Dictionary<string, string> query)
    {
        if (!query.TryGetValue("fieldSelector", out var selector))
            return true;
        var eq = selector.IndexOf('=');
        JsonNode? node = obj;
        foreach (var part in selector[..eq].Split('.'))
            node = node?[part];
        return node?.GetValue<string>() == selector[(eq + 1)..];
    }

    private static string Rv(long rv) => rv.ToString(CultureInfo.InvariantCulture);
    private static string EventLine(string type, JsonObject obj) => new JsonObject { ["type"] = type, ["object"] = obj.DeepClone() }.ToJsonString();
    private static (int, JsonObject) NotFound(string collection, string name) => (404, Status(404, "NotFound", $"{collection} \"{name}\" not found"));

    private static (int, JsonObject) Conflict(string collection, string name) => (409, Status(409, "Conflict",
        $"Operation cannot be fulfilled on {collection} \"{name}\": the object has been modified; please apply your changes to the latest version and try again"));

    internal static JsonObject Status(int code, string reason, string message) => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = code < 300 ? "Success" : "Failure",
        ["message"] = message,
        ["reason"] = reason,
        ["code"] = code,
    };

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        CloseWatches(drop: true);
        await _acceptLoop;
        _stop.Dispose();
    }
}
