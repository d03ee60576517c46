using System.Net.Sockets;
using Grpc.Core;

namespace L3Net.Datastore.Etcd;

/// <summary>Reads a failed gRPC call: whether it never reached etcd, and the one line that says why.</summary>
internal static class EtcdFailure
{
    /// <summary>The connection (TCP, TLS or the HTTP/2 preface) could not be made, so the request was never sent: safe
    /// to send elsewhere.</summary>
    public static bool NotConnected(RpcException e)
        => e.Status.DebugException is SocketException // the channel's own connect ("Error connecting to subchannel")
           || Transport(e)?.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError
               or HttpRequestError.SecureConnectionError
           || ClosedAfterTlsHandshake(e);

    /// <summary><c>ENDPOINT: reason</c>, on one line.</summary>
    public static string Describe(string endpoint, RpcException e, TimeSpan timeout)
    {
        var reason = e switch
        {
            { StatusCode: StatusCode.DeadlineExceeded } =>
                $"no answer within {timeout.TotalSeconds:0.#} s; a write may or may not have been applied",
            { Status.DebugException: null } => e.Status.Detail, // etcd's own answer, e.g. "etcdserver: no leader"
            _ when Transport(e)?.HttpRequestError == HttpRequestError.SecureConnectionError =>
                "TLS handshake failed: " + (Innermost(e.Status.DebugException!).Message.Contains(nameof(System.Net.Security.RemoteCertificateValidationCallback))
                    ? "the server's certificate is not signed by the CA given in ca=, or not issued for this host"
                    : Innermost(e.Status.DebugException!).Message),
            _ when ClosedAfterTlsHandshake(e) =>
                "the server closed the connection after the TLS handshake: it requires a client certificate (cert= and key=) or refuses the one given",
            _ => Innermost(e.Status.DebugException!).Message,
        };
        return $"{endpoint}: {string.Join(' ', reason.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))}";
    }

    /// <summary>With TLS 1.3 a server that refuses the client's certificate (or its absence) does so after the
    /// handshake, so the client sees its connection closed before HTTP/2 could start.</summary>
    private static bool ClosedAfterTlsHandshake(RpcException e)
        => Transport(e) is { HttpRequestError: HttpRequestError.Unknown, InnerException: IOException { InnerException: ObjectDisposedException } };

    private static HttpRequestException? Transport(RpcException e)
    {
        for (var inner = e.Status.DebugException; inner is not null; inner = inner.InnerException)
            if (inner is HttpRequestException http)
                return http;
        return null;
    }

    private static Exception Innermost(Exception e) => e.InnerException is null ? e : Innermost(e.InnerException);
}
