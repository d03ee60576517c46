using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Security.Authentication;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using k8s;
using k8s.Autorest;
using k8s.Exceptions;

namespace L3Net.Datastore.Kubernetes;

/// <summary>
/// The connection to the API server: KubernetesClient's <see cref="k8s.Kubernetes"/> (its NativeAOT flavour, since the
/// CNI plugin uses this datastore), configured from in-cluster service-account files or a kubeconfig by the library
/// itself (contexts, client certificates, bearer tokens and token files, exec credential plugins).
/// Two gaps of the AOT flavour are filled here, through the library's own extension points: it serialises only the
/// types of its source-generated context, so <see cref="JsonObject"/> (custom-object bodies) is added to its JSON
/// options; and it has no watch decoder (its <c>Watcher</c> needs reflection), so a watch response is handed back
/// unread and <see cref="ReadWatchAsync{T}"/> decodes the line-per-event stream.
/// </summary>
public sealed class KubeApi : k8s.Kubernetes
{
    private KubeApi(KubernetesClientConfiguration config) : base(config) => Server = config.Host;

    /// <summary>The API server's URL, for error messages.</summary>
    public string Server { get; }

    private const string Scheme = "kubernetes://";

    /// <summary>The client a datastore string names: <c>kubernetes</c> (in-cluster, else <c>$KUBECONFIG</c>, else
    /// <c>~/.kube/config</c>) or <c>kubernetes:///path/to/kubeconfig</c>; null for any other backend.</summary>
    public static KubeApi? ForDatastore(string datastore, KubeClientOptions? options = null)
    {
        if (!IsKubernetesDatastore(datastore))
            return null;
        var path = datastore.StartsWith(Scheme, StringComparison.Ordinal) ? datastore[Scheme.Length..] : "";
        return Connect(LoadConfig(path.Length == 0 ? null : path), options);
    }

    public static bool IsKubernetesDatastore(string datastore) => datastore == "kubernetes" || datastore.StartsWith(Scheme, StringComparison.Ordinal);

    /// <summary>The configuration the library builds from a kubeconfig file (or, without a path, from the pod's
    /// service account, else <c>$KUBECONFIG</c> or <c>~/.kube/config</c>). A file that does not parse, a missing
    /// context or an unreadable certificate is one line naming the file.</summary>
    public static KubernetesClientConfiguration LoadConfig(string? kubeconfigPath = null)
    {
        var source = kubeconfigPath ?? Environment.GetEnvironmentVariable("KUBECONFIG") ?? KubernetesClientConfiguration.KubeConfigDefaultLocation;
        try
        {
            if (kubeconfigPath is not null)
                return File.Exists(kubeconfigPath)
                    ? KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfigPath)
                    : throw new DatastoreException($"kubeconfig {kubeconfigPath} does not exist");
            if (KubernetesClientConfiguration.IsInCluster())
            {
                source = "in-cluster service account";
                return KubernetesClientConfiguration.InClusterConfig();
            }
            // The library's default order ($KUBECONFIG, merged, then ~/.kube/config), without its last resort of an
            // unauthenticated localhost:8080, which would only hide the missing configuration.
            return Environment.GetEnvironmentVariable("KUBECONFIG") is { Length: > 0 } || File.Exists(KubernetesClientConfiguration.KubeConfigDefaultLocation)
                ? KubernetesClientConfiguration.BuildDefaultConfig()
                : throw new DatastoreException($"no Kubernetes configuration: not in a pod, $KUBECONFIG unset and no {KubernetesClientConfiguration.KubeConfigDefaultLocation}");
        }
        catch (Exception e) when (e is KubeConfigException or YamlDotNet.Core.YamlException or FormatException or IOException
                                      or System.Security.Cryptography.CryptographicException or ArgumentException or NullReferenceException)
        {
            // The library lets a few shapes of broken file through as a NullReferenceException; it is still the file's fault.
            throw new DatastoreException($"kubeconfig {source}: {OneLine(e)}", e);
        }
    }

    /// <summary>A client on <paramref name="config"/> with our timeouts and the JSON types custom objects need.</summary>
    public static KubeApi Connect(KubernetesClientConfiguration config, KubeClientOptions? options = null)
    {
        options ??= new KubeClientOptions();
        if (string.IsNullOrEmpty(config.Host))
            throw new DatastoreException("Kubernetes configuration names no API server");
        // Watches stream for minutes: HttpClient's timeout covers the response headers only (responses are read as
        // streams), so it bounds every request and no watch.
        config.HttpClientTimeout = options.RequestTimeout;
        config.FirstMessageHandlerSetup = handler => handler.ConnectTimeout = options.ConnectTimeout;
        config.AddJsonOptions(json => json.TypeInfoResolver = JsonTypeInfoResolver.Combine(json.TypeInfoResolver, KubeJsonContext.Default));
        return new KubeApi(config);
    }

    /// <summary>A watch response is a stream of events, not one document: leave it unread for <see cref="ReadWatchAsync{T}"/>.</summary>
    protected override async Task<HttpOperationResponse<T>> CreateResultAsync<T>(HttpRequestMessage httpRequest, HttpResponseMessage httpResponse,
        bool? watch, CancellationToken cancellationToken)
        => watch == true
            ? new HttpOperationResponse<T> { Request = httpRequest, Response = httpResponse }
            : await base.CreateResultAsync<T>(httpRequest, httpResponse, watch, cancellationToken);

    /// <summary>
    /// The events of one watch the library opened (a <c>List…WithHttpMessagesAsync(watch: true)</c> call), one JSON
    /// object a line, until the server ends the stream. An ERROR event (410 Expired among them) becomes
    /// <see cref="KubeApiException"/>; a dropped connection an <see cref="IOException"/> or <see cref="HttpRequestException"/>.
    /// </summary>
    public async IAsyncEnumerable<KubeWatchEvent> ReadWatchAsync<T>(Func<Task<HttpOperationResponse<T>>> open,
        [EnumeratorCancellation] CancellationToken ct)
    {
        using var response = await CallAsync("watch", open);
        using var reader = new StreamReader(await response.Response.Content.ReadAsStreamAsync(ct));
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

    /// <summary>One library call with its failures in our terms: an error Status becomes <see cref="KubeApiException"/>;
    /// a server that cannot be reached, a TLS failure or no answer in time becomes one-line
    /// <see cref="DatastoreUnavailableException"/>.</summary>
    public async Task<T> CallAsync<T>(string what, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (HttpOperationException e)
        {
            throw KubeApiException.From(e);
        }
        catch (HttpRequestException e) when (Find<AuthenticationException>(e) is { } tls)
        {
            throw new DatastoreUnavailableException($"{what}: TLS with the Kubernetes API server {Server} failed: {OneLine(tls)}", e);
        }
        catch (HttpRequestException e)
        {
            var cause = Find<SocketException>(e) is { } s ? s.Message : OneLine(e);
            throw new DatastoreUnavailableException($"{what}: Kubernetes API server {Server} unreachable: {cause}", e);
        }
        catch (TaskCanceledException e) when (e.InnerException is TimeoutException)
        {
            throw new DatastoreUnavailableException($"{what}: no answer from the Kubernetes API server {Server} within {HttpClient.Timeout.TotalSeconds:0} s", e);
        }
    }

    /// <summary><see cref="CallAsync{T}"/> of a GET, with null for an object that does not exist (a 404 NotFound
    /// naming the object, not one for a resource type the server does not serve).</summary>
    public async Task<T?> GetOrNullAsync<T>(string what, Func<Task<T>> get) where T : class
    {
        try
        {
            return await CallAsync(what, get);
        }
        catch (KubeApiException e) when (e.Code == 404 && e.Reason == "NotFound" && !e.Message.Contains("the server could not find the requested resource"))
        {
            return null;
        }
    }

    /// <summary>The JSON form the rest of the datastore works on, of a typed object the library returned.</summary>
    public static JsonObject ToJson(object typed) => JsonNode.Parse(KubernetesJson.Serialize(typed))!.AsObject();

    public static T FromJson<T>(JsonObject obj) => KubernetesJson.Deserialize<T>(obj);

    private static TException? Find<TException>(Exception e) where TException : Exception
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            if (x is TException found)
                return found;
        }
        return null;
    }

    private static string OneLine(Exception e) => string.Join(' ', e.Message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
}

/// <summary>The JSON types our custom-object calls send and receive, beyond the library's generated models.</summary>
[JsonSerializable(typeof(JsonObject))]
[JsonSerializable(typeof(JsonNode))]
internal sealed partial class KubeJsonContext : JsonSerializerContext;
