using L3Net.Datastore;
using Xunit;

namespace L3Net.Tests.Integration.Datastore;

/// <summary>The whole contract against an etcd that serves TLS only and requires a client certificate, and the
/// one-line errors of a TLS set-up that does not fit.</summary>
public sealed class EtcdTlsDatastoreTests(TlsEtcdServer etcd) : DatastoreContractTests, IClassFixture<TlsEtcdServer>
{
    protected override IDatastore Store => etcd.Store;
    protected override string Config => etcd.Config;

    private string Endpoint => $"https://127.0.0.1:{etcd.Port}";

    [Fact]
    public async Task A_server_signed_by_another_ca_is_refused_in_one_line()
    {
        var pki = etcd.Certificates;
        await using var store = DatastoreFactory.Open($"etcd://127.0.0.1:{etcd.Port}?ca={pki.OtherCa}&cert={pki.ClientCert}&key={pki.ClientKey}");
        var e = await Assert.ThrowsAsync<DatastoreUnavailableException>(() => store.GetAsync(Key("a"), Ct));
        Assert.StartsWith($"etcd unreachable: {Endpoint}: TLS handshake failed: ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public async Task A_client_without_a_certificate_is_refused_in_one_line()
    {
        await using var store = DatastoreFactory.Open($"etcd://127.0.0.1:{etcd.Port}?ca={etcd.Certificates.Ca}");
        var e = await Assert.ThrowsAsync<DatastoreUnavailableException>(() => store.GetAsync(Key("a"), Ct));
        Assert.StartsWith($"etcd unreachable: {Endpoint}: ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_missing_certificate_file_names_the_parameter_and_the_file()
    {
        var e = Assert.Throws<ArgumentException>(() => DatastoreFactory.Open($"etcd://127.0.0.1:{etcd.Port}?ca=/nonexistent/ca.pem"));
        Assert.StartsWith("etcd ca=/nonexistent/ca.pem: ", e.Message);
    }
}
