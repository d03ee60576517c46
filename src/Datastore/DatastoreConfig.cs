namespace L3Net.Datastore;

/// <summary>The one configuration string every program takes: <c>sqlite:///abs/path</c> or <c>etcd://h:p[,h:p]</c>.</summary>
public static class DatastoreConfig
{
    public const string EnvironmentVariable = "L3NET_DATASTORE";
    public const string Default = "sqlite:///var/lib/l3net/l3net.db";

    /// <summary>The flag when given, else <c>L3NET_DATASTORE</c>, else the default SQLite file.</summary>
    public static string Resolve(string? flag)
    {
        if (!string.IsNullOrWhiteSpace(flag))
            return flag;
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        return string.IsNullOrWhiteSpace(fromEnvironment) ? Default : fromEnvironment;
    }
}
