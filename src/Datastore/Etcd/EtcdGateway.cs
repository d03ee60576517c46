using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace L3Net.Datastore.Etcd;

/// <summary>
/// etcd's v3 API through its JSON gRPC gateway (<c>/v3/kv/range</c>, <c>/v3/kv/txn</c>, <c>/v3/watch</c>): no gRPC
/// client is available here, and the gateway is part of every etcd 3.4 server. Requests go to the current endpoint;
/// a connection failure moves to the next one. A request that timed out is not retried elsewhere, because it may
/// have been applied: the caller sees <see cref="DatastoreUnavailableException"/> and re-reads.
/// </summary>
internal sealed class EtcdGateway : IDisposable
{
    private readonly EtcdOptions _options;
    private readonly HttpClient _http;
    private int _current;

    public EtcdGateway(EtcdOptions options)
    {
        _options = options;
        _http = new HttpClient(Handler(options)) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public static string Encode(string key) => Convert.ToBase64String(Encoding.UTF8.GetBytes(key));

    public static string DecodeKey(JsonElement e) => Encoding.UTF8.GetString(Convert.FromBase64String(e.GetString()!));

    public static long Long(JsonElement parent, string name)
        => parent.TryGetProperty(name, out var v) ? long.Parse(v.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : 0;

    /// <summary>POSTs a request and returns the parsed answer.</summary>
    public async Task<JsonDocument> CallAsync(string path, JsonObject body, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.RequestTimeout);
        try
        {
            using var response = await SendAsync(path, body, HttpCompletionOption.ResponseContentRead, timeout.Token);
            return await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(timeout.Token), cancellationToken: timeout.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new DatastoreUnavailableException($"etcd {path}: no answer within {_options.RequestTimeout.TotalSeconds} s; the change may or may not have been applied");
        }
    }

    /// <summary>Opens a streaming POST (a watch); the caller reads newline-separated JSON from the body.</summary>
    public Task<HttpResponseMessage> StreamAsync(string path, JsonObject body, CancellationToken ct)
        => SendAsync(path, body, HttpCompletionOption.ResponseHeadersRead, ct);

    private async Task<HttpResponseMessage> SendAsync(string path, JsonObject body, HttpCompletionOption completion, CancellationToken ct)
    {
        var json = body.ToJsonString();
        var errors = new List<string>();
        for (var attempt = 0; attempt < _options.Endpoints.Count; attempt++)
        {
            var index = Volatile.Read(ref _current);
            var endpoint = _options.Endpoints[index % _options.Endpoints.Count];
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, endpoint + path)
                {
                    Content = new StringContent(json, Encoding.UTF8, "application/json"),
                };
                var response = await _http.SendAsync(request, completion, ct);
                if (response.IsSuccessStatusCode)
                    return response;
                var text = await response.Content.ReadAsStringAsync(ct);
                response.Dispose();
                throw new DatastoreUnavailableException($"etcd {endpoint}{path}: HTTP {(int)response.StatusCode}: {text}");
            }
            catch (HttpRequestException e)
            {
                errors.Add($"{endpoint}: {e.Message}");
                Interlocked.CompareExchange(ref _current, index + 1, index);
            }
        }
        throw new DatastoreUnavailableException($"etcd unreachable: {string.Join("; ", errors)}");
    }

    private static SocketsHttpHandler Handler(EtcdOptions options)
    {
        var handler = new SocketsHttpHandler { ConnectTimeout = options.RequestTimeout };
        if (options.CertFile is not null && options.KeyFile is not null)
            handler.SslOptions.ClientCertificates = [X509Certificate2.CreateFromPemFile(options.CertFile, options.KeyFile)];
        if (options.CaFile is not null)
        {
            var ca = X509CertificateLoader.LoadCertificateFromFile(options.CaFile);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                errors == SslPolicyErrors.None || (certificate is not null && ChainsTo(certificate, ca));
        }
        return handler;
    }

    /// <summary>Trusts servers signed by the configured CA only, not the machine's store.</summary>
    private static bool ChainsTo(X509Certificate certificate, X509Certificate2 ca)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(new X509Certificate2(certificate));
    }

    public void Dispose() => _http.Dispose();
}
