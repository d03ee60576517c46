using System.Globalization;
using System.Net;
using System.Net.Sockets;
using L3Net.Datastore;
using L3Net.Datastore.Etcd;
using L3Net.Testing;
using Xunit;

namespace L3Net.Tests.Integration.Datastore;

/// <summary>A real etcd on a free loopback port with a temporary data directory; stoppable and restartable on the
/// same port and data, removed at the end. It sends watch progress notifications every 100 ms (etcd's default is
/// 10 minutes), so the tests see them. Administration (health, compaction) goes through <c>etcdctl</c>.</summary>
public class EtcdServer : IAsyncLifetime
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("l3net-etcd-").FullName;
    private readonly EtcdCertificates? _tls;
    private BackgroundProcess? _process;

    public EtcdServer() : this(null) { }

    protected EtcdServer(EtcdCertificates? tls) => _tls = tls;

    public int Port { get; } = FreePort();
    public string ClientUrl => $"{(_tls is null ? "http" : "https")}://127.0.0.1:{Port}";

    /// <summary>The configuration string other processes open the same server with (client certificate included).</summary>
    public string Config => $"etcd://127.0.0.1:{Port}{(_tls is null ? "" : $"?ca={_tls.Ca}&cert={_tls.ClientCert}&key={_tls.ClientKey}")}";

    public IDatastore Store { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Requires.Command("etcd");
        Requires.Command("etcdctl");
        await StartAsync();
        Store = new EtcdDatastore(EtcdOptions.Parse(Config));
    }

    public async Task StartAsync()
    {
        string[] tls = _tls is null ? [] :
            ["--cert-file", _tls.ServerCert, "--key-file", _tls.ServerKey, "--trusted-ca-file", _tls.Ca, "--client-cert-auth"];
        _process = new BackgroundProcess("etcd", ["--data-dir", _dataDir, "--listen-client-urls", ClientUrl, "--advertise-client-urls", ClientUrl,
            "--listen-peer-urls", $"http://127.0.0.1:{FreePort()}", "--log-level", "error",
            "--experimental-watch-progress-notify-interval", "100ms", .. tls]);
        await Eventually.AssertAsync(() => Etcdctl(TimeSpan.FromSeconds(10), "endpoint", "health").Ok, TimeSpan.FromSeconds(20), "etcd start",
            () => _process.Output);
    }

    /// <summary>Discards the history before <paramref name="revision"/>, as etcd's periodic compaction would.</summary>
    public void Compact(long revision) => Etcdctl(TimeSpan.FromSeconds(10), "compact", revision.ToString(CultureInfo.InvariantCulture)).EnsureOk("etcdctl compact");

    public void Stop()
    {
        _process?.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        if (Store is not null)
            await Store.DisposeAsync();
        Stop();
        Directory.Delete(_dataDir, recursive: true);
        _tls?.Dispose();
        GC.SuppressFinalize(this);
    }

    private ProcessResult Etcdctl(TimeSpan timeout, params string[] command)
    {
        string[] tls = _tls is null ? [] : ["--cacert", _tls.Ca, "--cert", _tls.ClientCert, "--key", _tls.ClientKey];
        return ProcessRunner.Run("etcdctl", ["--endpoints", ClientUrl, "--dial-timeout", "1s", .. tls, .. command], timeout: timeout);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>The same server on TLS that requires a client certificate (<c>--client-cert-auth</c>).</summary>
public sealed class TlsEtcdServer : EtcdServer
{
    public TlsEtcdServer() : this(EtcdCertificates.Create()) { }

    private TlsEtcdServer(EtcdCertificates pki) : base(pki) => Certificates = pki;

    public EtcdCertificates Certificates { get; }
}

/// <summary>Self-signed test PKI made with <c>openssl</c> in a temporary directory: a CA, a server certificate for
/// 127.0.0.1 and a client certificate it signed, and a second CA that signed nothing the server has.</summary>
public sealed class EtcdCertificates : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("l3net-etcd-pki-").FullName;

    private EtcdCertificates() { }

    public string Ca => File("ca.pem");
    public string OtherCa => File("other-ca.pem");
    public string ServerCert => File("server.pem");
    public string ServerKey => File("server.key");
    public string ClientCert => File("client.pem");
    public string ClientKey => File("client.key");

    public static EtcdCertificates Create()
    {
        Requires.Command("openssl");
        var pki = new EtcdCertificates();
        pki.SelfSigned("ca", "l3net-test-ca");
        pki.SelfSigned("other-ca", "l3net-other-ca");
        pki.Signed("server", "127.0.0.1", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
        pki.Signed("client", "l3net-client", "extendedKeyUsage=clientAuth\n");
        return pki;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string File(string name) => Path.Combine(_dir, name);

    private void SelfSigned(string name, string subject)
        => OpenSsl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
            "-subj", "/CN=" + subject, "-keyout", File(name + ".key"), "-out", File(name + ".pem"));

    private void Signed(string name, string subject, string extensions)
    {
        System.IO.File.WriteAllText(File(name + ".ext"), extensions);
        OpenSsl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=" + subject,
            "-keyout", File(name + ".key"), "-out", File(name + ".csr"));
        OpenSsl("x509", "-req", "-in", File(name + ".csr"), "-CA", Ca, "-CAkey", File("ca.key"), "-CAcreateserial", "-days", "1",
            "-extfile", File(name + ".ext"), "-out", File(name + ".pem"));
    }

    private static void OpenSsl(params string[] args) => ProcessRunner.Run("openssl", args).EnsureOk("openssl " + args[0]);
}
