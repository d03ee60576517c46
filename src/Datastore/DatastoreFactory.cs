using L3Net.Datastore.Etcd;
using L3Net.Datastore.Sqlite;

namespace L3Net.Datastore;

/// <summary>Opens the backend a configuration string names (see <see cref="DatastoreConfig"/>).</summary>
public static class DatastoreFactory
{
    public static IDatastore Open(string config)
    {
        if (config.StartsWith("sqlite://", StringComparison.Ordinal))
        {
            var path = config["sqlite://".Length..];
            if (!Path.IsPathRooted(path))
                throw new ArgumentException($"datastore '{config}': the SQLite path must be absolute (sqlite:///var/lib/l3net/l3net.db)", nameof(config));
            return SqliteDatastore.Open(path);
        }
        if (config.StartsWith("etcd://", StringComparison.Ordinal))
            return new EtcdDatastore(EtcdOptions.Parse(config));
        if (config == "kubernetes" || config.StartsWith("kubernetes://", StringComparison.Ordinal))
            return Kubernetes.KubernetesDatastore.Open(config);
        throw new ArgumentException($"datastore '{config}': expected sqlite:///PATH, etcd://HOST:PORT[,HOST:PORT], kubernetes or kubernetes:///KUBECONFIG", nameof(config));
    }
}
