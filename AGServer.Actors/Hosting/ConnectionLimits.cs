using System.Collections.Concurrent;
using System.Net;
using System.Threading.RateLimiting;
using AGServer.Server;

namespace AGServer.Hosting;

/// <summary>
/// The node's limits on new connections, checked before a WebSocket is accepted: a token bucket for the node's
/// handshake rate (<see cref="AGServerOptions.HandshakeRateLimit"/>) and a count of open connections per client address
/// (<see cref="AGServerOptions.MaxConnectionsPerAddress"/>). A refused upgrade costs the node no socket.
/// </summary>
internal sealed class ConnectionLimits : IDisposable
{
    private readonly TokenBucketRateLimiter? _handshakes;
    private readonly int _perAddress;
    private readonly ConcurrentDictionary<IPAddress, int> _open = new();

    public ConnectionLimits(AGServerOptions options)
    {
        _perAddress = options.MaxConnectionsPerAddress;
        if (options.HandshakeRateLimit is { PerSecond: > 0 } rate)
            _handshakes = new TokenBucketRateLimiter(Server.Internal.RateLimitRule.Bucket(rate));
    }

    /// <summary>A new connection attempt: false when the node takes none more this moment.</summary>
    public bool TryHandshake()
    {
        if (_handshakes is null) return true;
        Server.Internal.RateLimitRule.Take(_handshakes);
        using var lease = _handshakes.AttemptAcquire();
        return lease.IsAcquired;
    }

    /// <summary>Counts a connection from <paramref name="address"/>; false (and not counted) when it has its most already.</summary>
    public bool TryOpen(IPAddress? address)
    {
        if (_perAddress <= 0 || address is null) return true;
        address = Normalize(address);
        while (true)
        {
            var open = _open.GetValueOrDefault(address);
            if (open >= _perAddress) return false;
            if (open == 0 ? _open.TryAdd(address, 1) : _open.TryUpdate(address, open + 1, open)) return true;
        }
    }

    /// <summary>A connection counted by <see cref="TryOpen"/> is over.</summary>
    public void Close(IPAddress? address)
    {
        if (_perAddress <= 0 || address is null) return;
        address = Normalize(address);
        while (_open.TryGetValue(address, out var open))
        {
            if (open <= 1 ? _open.TryRemove(new KeyValuePair<IPAddress, int>(address, open)) : _open.TryUpdate(address, open - 1, open)) return;
        }
    }

    /// <summary>Open connections from <paramref name="address"/> now.</summary>
    public int OpenFrom(IPAddress address) => _open.GetValueOrDefault(Normalize(address));

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    public void Dispose() => _handshakes?.Dispose();
}
