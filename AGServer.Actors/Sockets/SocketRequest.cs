using System.Net;

namespace AGServer.Sockets;

/// <summary>The HTTP upgrade request that opened a socket.</summary>
public sealed record SocketRequest(
    string Path,
    IReadOnlyDictionary<string, string> Query,
    IReadOnlyDictionary<string, string> Headers,
    IPAddress? RemoteAddress,
    int RemotePort)
{
    public static SocketRequest Empty { get; } =
        new("/socketcluster/", new Dictionary<string, string>(), new Dictionary<string, string>(), IPAddress.Loopback, 0);
}
