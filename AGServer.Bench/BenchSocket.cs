using System.Text;
using AGServer.Client;

namespace AGServer.Bench;

/// <summary>
/// A load generator's socket: AGServer.Client's connection (its handshake, pongs and send queue) with the scenario's
/// frames in and out as bytes. Scenarios write frames by hand (the load, including what a hostile client sends) and
/// read the server's frames as they come, so no client-side channel or call bookkeeping runs on the hot path.
/// </summary>
public sealed class BenchSocket : IAsyncDisposable
{
    private readonly AGClientSocket _client;

    private BenchSocket(AGClientSocket client) => _client = client;

    /// <summary>Opens a socket and completes its SocketCluster handshake. Frames after it go to <paramref name="onFrame"/>.</summary>
    public static async Task<BenchSocket> Connect(Uri uri, Action<BenchSocket, ReadOnlySpan<byte>> onFrame)
    {
        var client = new AGClientSocket(new AGClientOptions { Uri = uri, AutoReconnect = false, ConnectTimeout = TimeSpan.FromSeconds(30) });
        var socket = new BenchSocket(client);
        client.RawFrames = frame => onFrame(socket, frame);
        await client.ConnectAsync();
        return socket;
    }

    /// <summary>Queues <paramref name="frame"/> (one WebSocket message); waits only when the client's send queue is past its bound.</summary>
    public Task Send(ReadOnlyMemory<byte> frame) => _client.SendRawAsync(frame);

    public Task Send(string frame) => Send(Encoding.UTF8.GetBytes(frame));

    /// <summary>Drops the connection at once, with no close handshake (a client that vanished).</summary>
    public void Abort() => _client.Abort();

    public ValueTask DisposeAsync() => _client.DisposeAsync();

    /// <summary>Reads the integer after <paramref name="key"/> (such as <c>"t":</c>) in a frame.</summary>
    public static long ReadNumber(ReadOnlySpan<byte> frame, ReadOnlySpan<byte> key)
    {
        var at = frame.IndexOf(key);
        if (at < 0) return -1;
        long value = 0;
        for (var i = at + key.Length; i < frame.Length && frame[i] is >= (byte)'0' and <= (byte)'9'; i++) value = value * 10 + (frame[i] - '0');
        return value;
    }
}
