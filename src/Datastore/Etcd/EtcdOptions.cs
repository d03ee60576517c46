namespace L3Net.Datastore.Etcd;

/// <summary>Where etcd is and how to authenticate. With <see cref="CaFile"/> the client talks TLS and trusts servers
/// signed by that CA (PEM) only; with <see cref="CertFile"/> and <see cref="KeyFile"/> (PEM) it also presents that
/// client certificate, as etcd's <c>--client-cert-auth</c> requires.</summary>
public sealed record EtcdOptions(IReadOnlyList<string> Endpoints)
{
    private static readonly string[] Parameters = ["ca", "cert", "key"];

    public string? CaFile { get; init; }
    public string? CertFile { get; init; }
    public string? KeyFile { get; init; }

    /// <summary>Deadline of one unary request, and of connecting; a watch stream has none.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public bool Tls => CertFile is not null || CaFile is not null;

    /// <summary><c>etcd://h:p[,h:p][?ca=PATH&amp;cert=PATH&amp;key=PATH]</c>; the endpoints become <c>http://h:p</c>, or
    /// <c>https://h:p</c> with TLS.</summary>
    public static EtcdOptions Parse(string config)
    {
        var rest = config["etcd://".Length..];
        var query = rest.IndexOf('?', StringComparison.Ordinal);
        var hosts = (query < 0 ? rest : rest[..query]).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (hosts.Length == 0)
            throw new ArgumentException($"datastore '{config}': no etcd endpoint (etcd://host:2379[,host:2379])", nameof(config));
        var settings = query < 0 ? [] : rest[(query + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? Uri.UnescapeDataString(p[1]) : "");
        if (settings.Keys.FirstOrDefault(k => !Parameters.Contains(k)) is { } unknown)
            throw new ArgumentException($"datastore '{config}': unknown etcd parameter '{unknown}' (expected ca, cert and key)", nameof(config));
        var options = new EtcdOptions(hosts)
        {
            CaFile = settings.GetValueOrDefault("ca"),
            CertFile = settings.GetValueOrDefault("cert"),
            KeyFile = settings.GetValueOrDefault("key"),
        };
        if (options.CertFile is null != options.KeyFile is null)
            throw new ArgumentException($"datastore '{config}': etcd parameters cert and key go together (the client certificate and its private key)", nameof(config));
        return options with { Endpoints = hosts.Select(h => $"{(options.Tls ? "https" : "http")}://{h}").ToList() };
    }
}
