using System.Collections.ObjectModel;
using System.Net;
using Microsoft.AspNetCore.WebUtilities;

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
        new("/socketcluster/", ReadOnlyDictionary<string, string>.Empty, ReadOnlyDictionary<string, string>.Empty, IPAddress.Loopback, 0);

    /// <summary>A query string's parameters; the shared empty dictionary when it has none (most sockets' case).</summary>
    internal static IReadOnlyDictionary<string, string> QueryOf(string queryString) =>
        queryString.Length <= 1
            ? ReadOnlyDictionary<string, string>.Empty
            : QueryHelpers.ParseQuery(queryString).ToDictionary(q => q.Key, q => q.Value.ToString());
}
