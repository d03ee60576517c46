using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;

namespace L3Net.Datastore.Kubernetes;

/// <summary>
/// A small typed REST client for the Kubernetes API over <see cref="HttpClient"/> (the KubernetesClient package
/// is not available, and the CNI plugin must stay small and start fast). Objects travel as
/// <see cref="JsonObject"/>: no reflection-based serialisation, so the trimmed plugin can use it.
/// Errors: an error Status becomes <see cref="KubeApiException"/>; a server that stays unreachable or answers
/// 429/5xx after the retries becomes <see cref="DatastoreUnavailableException"/>.
/// </summary>
public sealed class KubeApiClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly KubeConfig _config;
    private readonly KubeClientOptions _options;
    private readonly KubeRateLimiter _limiter;
    private readonly Lock _tokenLock = new();
    private (string? Token, DateTime ReadAt) _fileToken;

    private const string Scheme = "kubernetes://";

    /// <summary>The client a datastore string names: <c>kubernetes</c> (in-cluster, then $KUBECONFIG, then
    /// ~/.kube/config) or <c>kubernetes:///path/to/kubeconfig</c>; null for any other backend.</summary>
    public static KubeApiClient? ForDatastore(string datastore, KubeClientOptions? options = null)
    {
        if (datastore != "kubernetes" && !datastore.StartsWith(Scheme, StringComparison.Ordinal))
            return null;
        var path = datastore.StartsWith(Scheme, StringComparison.Ordinal) ? datastore[Scheme.Length..] : "";
        return new KubeApiClient(KubeConfig.Resolve(path.Length == 0 ? null : path), options);
    }

    public KubeApiClient(KubeConfig config, KubeClientOptions? options = null)
    {
        _config = config;
        _options = options ?? new KubeClientOptions();
        _limiter = new KubeRateLimiter(_options.QueriesPerSecond, _options.Burst);
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = _options.ConnectTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, cert, _, errors) => VerifyServer(config, cert, errors),
                ClientCertificates = config.ClientCertificate is { } c ? new X509CertificateCollection { c } : null,
            },
        };
        // Watches are long-lived: every other request gets its own deadline instead of HttpClient.Timeout.
        _http = new HttpClient(handler) { BaseAddress = config.Server, Timeout = Timeout.InfiniteTimeSpan };
    }

    public KubeConfig Config => _config;

    /// <summary>The object, or null when it does not exist.</summary>
    public async Task<JsonObject?> GetAsync(string path, CancellationToken ct = default)
    {
        try
        {
            return await SendAsync(HttpMethod.Get, path, null, ct);
        }
        catch (KubeApiException e) when (e.Code == 404)
        {
            return null;
        }
    }

    /// <summary>Every item of a collection, following <c>continue</c> tokens page by page, and the list's
    /// resourceVersion (that of the first page: the snapshot every page is served from).</summary>
    public async Task<(List<JsonObject> Items, string ResourceVersion)> ListAsync(string collectionPath, string? query = null,
        int pageSize = 500, CancellationToken ct = default)
    {
        var items = new List<JsonObject>();
        string? resourceVersion = null, next = null;
        do
        {
            var q = $"limit={pageSize}" + (query is null ? "" : "&" + query) + (next is null ? "" : "&continue=" + Uri.EscapeDataString(next));
            var page = await SendAsync(HttpMethod.Get, $"{collectionPath}?{q}", null, ct);
            resourceVersion ??= page["metadata"]?["resourceVersion"]?.GetValue<string>();
            items.AddRange((page["items"] as JsonArray ?? []).OfType<JsonObject>());
            next = page["metadata"]?["continue"]?.GetValue<string>();
        }
        while (!string.IsNullOrEmpty(next));
        return (items, resourceVersion ?? throw new KubeApiException(500, "InternalError", $"list of {collectionPath} carries no resourceVersion"));
    }

    public Task<JsonObject> CreateAsync(string collectionPath, JsonObject body, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, collectionPath, body, ct);

    /// <summary>PUT: the API refuses it with 409 Conflict unless <c>metadata.resourceVersion</c> is still current.</summary>
    public Task<JsonObject> ReplaceAsync(string itemPath, JsonObject body, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Put, itemPath, body, ct);

    /// <summary>DELETE, refused with 409 Conflict unless the object's resourceVersion is still <paramref name="resourceVersion"/>.</summary>
    public Task DeleteAsync(string itemPath, string? resourceVersion, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Delete, itemPath, resourceVersion is null ? null : new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "DeleteOptions",
            ["preconditions"] = new JsonObject { ["resourceVersion"] = resourceVersion },
        }, ct);

    /// <summary>
    /// One watch stream of the collection, starting after <paramref name="resourceVersion"/>, with bookmarks.
    /// Ends when the server closes the stream (its timeout); throws <see cref="IOException"/> or
    /// <see cref="HttpRequestException"/> when the connection drops, <see cref="KubeApiException"/> with
    /// <see cref="KubeApiException.IsGone"/> when that version is too old: the caller resumes or relists.
    /// </summary>
    public async IAsyncEnumerable<KubeWatchEvent> WatchAsync(string collectionPath, string resourceVersion, string? query = null,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        var q = $"watch=1&allowWatchBookmarks=true&resourceVersion={Uri.EscapeDataString(resourceVersion)}" +
                $"&timeoutSeconds={(int)_options.WatchTimeout.TotalSeconds}" + (query is null ? "" : "&" + query);
        await _limiter.WaitAsync(ct);
        using var request = NewRequest(HttpMethod.Get, $"{collectionPath}?{q}", null);
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        if (!response.IsSuccessStatusCode)
            throw await ErrorOf(response, ct);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct), Encoding.UTF8);
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (line.Length == 0)
                continue;
            var node = JsonNode.Parse(line) as JsonObject ?? throw new IOException("watch stream sent a line that is not a JSON object");
            var type = node["type"]?.GetValue<string>() ?? "";
            var obj = node["object"] as JsonObject ?? [];
            if (type == "ERROR")
                throw KubeApiException.FromStatus(obj, 500);
            yield return new KubeWatchEvent(type, obj);
        }
    }

    private async Task<JsonObject> SendAsync(HttpMethod method, string path, JsonObject? body, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            await _limiter.WaitAsync(ct);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(_options.RequestTimeout);
            TimeSpan? retryAfter;
            string failure;
            try
            {
                using var request = NewRequest(method, path, body);
                using var response = await _http.SendAsync(request, timeout.Token);
                if (response.IsSuccessStatusCode)
                    return JsonNode.Parse(await response.Content.ReadAsStringAsync(timeout.Token)) as JsonObject ?? [];
                var code = (int)response.StatusCode;
                // 429 and 503 mean "not processed, come back later"; other 5xx are retried only for reads.
                if (code != 429 && code != 503 && (code < 500 || method != HttpMethod.Get))
                    throw await ErrorOf(response, timeout.Token);
                retryAfter = response.Headers.RetryAfter?.Delta;
                failure = $"{method} {path}: HTTP {code}";
            }
            catch (HttpRequestException e) when (method == HttpMethod.Get || NotSent(e))
            {
                retryAfter = null;
                failure = $"{method} {path}: {e.Message}";
            }
            catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
            {
                throw new DatastoreUnavailableException($"{method} {path}: no answer from {_config.Server} within {_options.RequestTimeout.TotalSeconds:0} s", e);
            }
            if (attempt >= _options.MaxRetries)
                throw new DatastoreUnavailableException($"{failure} (gave up after {attempt + 1} attempts)");
            var backoff = _options.Backoff(attempt);
            await Task.Delay(retryAfter is { } ra && ra > backoff ? ra : backoff, ct);
        }
    }

    /// <summary>A write may be retried only when it surely never reached the server.</summary>
    private static bool NotSent(HttpRequestException e) =>
        e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostUnreachable or SocketError.NetworkUnreachable };

    private HttpRequestMessage NewRequest(HttpMethod method, string path, JsonObject? body)
    {
        var request = new HttpRequestMessage(method, path) { Version = HttpVersion.Version11 };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("l3net", "1"));
        if (BearerToken() is { } token)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        return request;
    }

    private string? BearerToken()
    {
        if (_config.Token is { } fixedToken)
            return fixedToken;
        if (_config.TokenFile is not { } file)
            return null;
        lock (_tokenLock)
        {
            if (_fileToken.Token is null || DateTime.UtcNow - _fileToken.ReadAt > TimeSpan.FromMinutes(1))
                _fileToken = (File.ReadAllText(file).Trim(), DateTime.UtcNow);
            return _fileToken.Token;
        }
    }

    private static async Task<KubeApiException> ErrorOf(HttpResponseMessage response, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        JsonObject? status = null;
        try
        {
            status = JsonNode.Parse(text) as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
            // Not a Status (a proxy in between, say): the HTTP code and text still tell what happened.
        }
        var e = KubeApiException.FromStatus(status, (int)response.StatusCode);
        return status is null ? new KubeApiException(e.Code, response.ReasonPhrase ?? "", text) : e;
    }

    /// <summary>With a CA configured the server must chain to it (and only to it) and match the host name;
    /// without one the system trust store decides.</summary>
    private static bool VerifyServer(KubeConfig config, X509Certificate? cert, SslPolicyErrors errors)
    {
        if (config.InsecureSkipTlsVerify)
            return true;
        if (config.CaCertificates is null || cert is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch)
            || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
            return errors == SslPolicyErrors.None;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(config.CaCertificates);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(cert);
        return chain.Build(leaf);
    }

    public void Dispose() => _http.Dispose();
}
