namespace L3Net.Datastore.Etcd;

/// <summary>Where etcd is and how to authenticate. With <see cref="CertFile"/> and <see cref="KeyFile"/> (PEM) the
/// client talks HTTPS and presents that certificate; <see cref="CaFile"/> is the CA that signed the servers.</summary>
public sealed record EtcdOptions(IReadOnlyList<string> Endpoints)
{
    public string? CaFile { get; init; }
    public string? CertFile { get; init; }
    public string? KeyFile { get; init; }

    /// <summary>Deadline of one unary request; a watch stream has none.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public bool Tls => CertFile is not null || CaFile is not null;

    /// <summary><c>etcd://h:p[,h:p][?ca=PATH&amp;cert=PATH&amp;key=PATH]</c>.</summary>
    public static EtcdOptions Parse(string config)
    {
        var rest = config["etcd://".Length..];
        var query = rest.IndexOf('?', StringComparison.Ordinal);
        var hosts = (query < 0 ? rest : rest[..query]).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (hosts.Length == 0)
            throw new ArgumentException($"datastore '{config}': no etcd endpoint (etcd://host:2379[,host:2379])", nameof(config));
        var settings = query < 0 ? [] : rest[(query + 1)..].Split('&')
            .Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? Uri.UnescapeDataString(p[1]) : "");
        var options = new EtcdOptions(hosts)
        {
            CaFile = settings.GetValueOrDefault("ca"),
            CertFile = settings.GetValueOrDefault("cert"),
            KeyFile = settings.GetValueOrDefault("key"),
        };
        return options with { Endpoints = hosts.Select(h => $"{(options.Tls ? "https" : "http")}://{h}").ToList() };
    }
}
