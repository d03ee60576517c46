namespace L3Net.Datastore;

/// <summary>Base of every error the datastore reports; the message names the key and the problem.</summary>
public class DatastoreException : Exception
{
    public DatastoreException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>A compare-and-swap lost: someone else changed the key since it was read. Re-read and retry.</summary>
public sealed class ConflictException(string key, long expectedRevision, long actualRevision)
    : DatastoreException($"conflict on {key}: expected revision {expectedRevision}, found {actualRevision}")
{
    public string Key { get; } = key;
    public long ExpectedRevision { get; } = expectedRevision;
    public long ActualRevision { get; } = actualRevision;
}

public sealed class AlreadyExistsException(string key) : DatastoreException($"{key} already exists")
{
    public string Key { get; } = key;
}

public sealed class NotFoundException(string key) : DatastoreException($"{key} does not exist")
{
    public string Key { get; } = key;
}

/// <summary>The datastore cannot be reached or answered with an error; nothing was changed by the failed call
/// unless the message says otherwise. The CNI plugin maps this to the spec's "try again later" code.</summary>
public sealed class DatastoreUnavailableException(string message, Exception? inner = null)
    : DatastoreException(message, inner);

/// <summary>A watch asked for history that was compacted away; the watcher must list again and watch from there.</summary>
public sealed class ResyncRequiredException(string prefix, long fromRevision)
    : DatastoreException($"watch on {prefix} from revision {fromRevision}: history compacted, resync needed")
{
    public string Prefix { get; } = prefix;
    public long FromRevision { get; } = fromRevision;
}
