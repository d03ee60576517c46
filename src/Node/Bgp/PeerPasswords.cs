using L3Net.Model.Resources;

namespace L3Net.Node.Bgp;

/// <summary>Turns a BGPPeer's <c>spec.password</c> into the MD5 key the speaker installs.</summary>
public interface IPeerPasswords
{
    /// <summary>The key, or false with what is missing (the session must then not start: without the key the peer
    /// would drop every segment, or, with no key on either side, the session would run unauthenticated).</summary>
    bool TryResolve(BgpPassword password, out string? key, out string problem);
}

/// <summary>Inline values only: what every datastore but Kubernetes has (there are no Secrets to read).</summary>
public sealed class InlinePasswords : IPeerPasswords
{
    public static readonly InlinePasswords Instance = new();

    public bool TryResolve(BgpPassword password, out string? key, out string problem)
    {
        key = password.Value;
        problem = key is null ? "spec.password.secretKeyRef needs the Kubernetes datastore (Secrets exist only there)" : "";
        return key is not null;
    }
}
