using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Etcdserverpb;
using Grpc.Core;
using Grpc.Net.Client;

namespace L3Net.Datastore.Etcd;

/// <summary>One configured etcd endpoint and the gRPC clients of its channel.</summary>
internal sealed record EtcdEndpoint(int Index, string Address, KV.KVClient Kv, Watch.WatchClient Watch);

/// <summary>
/// The configured endpoints as one gRPC channel (HTTP/2) each over a shared connection pool, and the endpoint in use.
/// A call goes to the endpoint in use; when it fails there it moves to the next endpoint and tries again, until
/// every endpoint has failed. A write is sent again only when it cannot have reached etcd (no connection): a
/// compare-and-swap applied once and retried would report its own write as a conflict. The caller of a write that
/// may have left sees <see cref="DatastoreUnavailableException"/> and re-reads. (This is why the channels are our own and not
/// dotnet-etcd's <c>EtcdClient</c>, whose channel retries every method, writes included, on Unavailable.)
/// </summary>
internal sealed class EtcdEndpoints : IDisposable
{
    /// <summary>HTTP/2 pings on a connection with a call open (a watch), so a member that vanished without closing
    /// the connection is noticed within about 20 s; etcd refuses pings more often than every 5 s by default.</summary>
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(10);

    private readonly TimeSpan _requestTimeout;
    private readonly SocketsHttpHandler _handler;
    private readonly GrpcChannel[] _channels;
    private readonly EtcdEndpoint[] _endpoints;
    private int _current;

    public EtcdEndpoints(EtcdOptions options)
    {
        _requestTimeout = options.RequestTimeout;
        _handler = Handler(options);
        _channels = options.Endpoints.Select(address => GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = _handler,
            DisposeHttpClient = false,
            // A member back after a restart is tried again within a second (gRPC's default backs off to 2 minutes).
            InitialReconnectBackoff = TimeSpan.FromMilliseconds(200),
            MaxReconnectBackoff = TimeSpan.FromSeconds(1),
            // As etcd's own client: no limit on an answer, since a list under /l3net/ in a large cluster can pass gRPC's 4 MB.
            MaxReceiveMessageSize = null,
        })).ToArray();
        _endpoints = _channels.Select((channel, i) => new EtcdEndpoint(i, options.Endpoints[i], new KV.KVClient(channel), new Watch.WatchClient(channel))).ToArray();
    }

    public EtcdEndpoint Current => _endpoints[Volatile.Read(ref _current)];

    /// <summary>One unary call on the endpoint in use, moving on to the next one while it fails. A write
    /// (<paramref name="idempotent"/> false) is sent again only when it never left; a read after any failure to get an
    /// answer, with one try more than there are endpoints, since the first may meet a connection that just broke.</summary>
    public async Task<T> CallAsync<T>(Func<EtcdEndpoint, CallOptions, AsyncUnaryCall<T>> call, bool idempotent, CancellationToken ct)
    {
        var failures = new Dictionary<string, string>(); // the last failure of each endpoint, in the order tried
        var first = Volatile.Read(ref _current);
        var attempts = idempotent ? _endpoints.Length + 1 : _endpoints.Length;
        for (var i = 0; i < attempts; i++)
        {
            var endpoint = _endpoints[(first + i) % _endpoints.Length];
            try
            {
                return await call(endpoint, new CallOptions(deadline: DateTime.UtcNow + _requestTimeout, cancellationToken: ct));
            }
            catch (RpcException) when (ct.IsCancellationRequested)
            {
                throw new OperationCanceledException(ct);
            }
            catch (RpcException e) when (EtcdFailure.NotConnected(e) || (idempotent && e.StatusCode == StatusCode.Unavailable))
            {
                failures[endpoint.Address] = EtcdFailure.Describe(endpoint.Address, e, _requestTimeout);
                MoveOn(endpoint);
            }
            catch (RpcException e)
            {
                if (e.StatusCode == StatusCode.Unavailable)
                    MoveOn(endpoint);
                throw new DatastoreUnavailableException("etcd " + EtcdFailure.Describe(endpoint.Address, e, _requestTimeout), e);
            }
        }
        throw new DatastoreUnavailableException($"etcd unreachable: {string.Join("; ", failures.Values)}");
    }

    /// <summary>Makes the endpoint after <paramref name="failed"/> the one in use, unless another call moved on already.</summary>
    public void MoveOn(EtcdEndpoint failed)
        => Interlocked.CompareExchange(ref _current, (failed.Index + 1) % _endpoints.Length, failed.Index);

    public void Dispose()
    {
        foreach (var channel in _channels)
            channel.Dispose();
        _handler.Dispose();
    }

    private static SocketsHttpHandler Handler(EtcdOptions options)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = options.RequestTimeout,
            EnableMultipleHttp2Connections = true,
            KeepAlivePingDelay = KeepAlive,
            KeepAlivePingTimeout = KeepAlive,
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
        };
        if (options.CertFile is not null && options.KeyFile is not null)
            handler.SslOptions.ClientCertificates = [ClientCertificate(options.CertFile, options.KeyFile)];
        if (options.CaFile is not null)
        {
            var ca = Load(options.CaFile, "ca", X509CertificateLoader.LoadCertificateFromFile);
            // The name must match as usual; the chain is checked against that CA alone.
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == SslPolicyErrors.None
                && certificate is not null && ChainsTo(certificate, ca);
        }
        return handler;
    }

    private static X509Certificate2 ClientCertificate(string certFile, string keyFile)
        => Load(certFile, "cert/key", path => X509Certificate2.CreateFromPemFile(path, keyFile));

    /// <summary>A certificate file that is missing or not PEM is a configuration error naming the parameter and file.</summary>
    private static X509Certificate2 Load(string path, string parameter, Func<string, X509Certificate2> load)
    {
        try
        {
            return load(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new ArgumentException($"etcd {parameter}={path}: {e.Message}", e);
        }
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
}
