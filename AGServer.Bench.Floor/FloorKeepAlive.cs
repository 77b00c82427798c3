namespace AGServer.Bench.Floor;

/// <summary>
/// The floor's pings: what every SocketCluster server does for an idle connection (protocol 2: an empty frame each
/// ping interval, the client's empty answer read, a client silent past the ping timeout dropped), done the way
/// AGServer's keep-alive wheel does it and no cheaper: one timer, the sockets spread over 64 slots, one slot a tick,
/// the timer running only while there are sockets. Without it the floor's idle connections cost nothing to compare with.
/// </summary>
internal sealed class FloorKeepAlive : IDisposable
{
    private const int Slots = 64;
    private static readonly byte[] Ping = [];

    private readonly List<FloorSocket>[] _slots = Enumerable.Range(0, Slots).Select(_ => new List<FloorSocket>()).ToArray();
    private readonly long _timeout;
    private readonly TimeSpan _tick;
    private readonly Timer _timer;
    private readonly Lock _counting = new();
    private int _count;
    private int _placed;
    private int _next;

    public FloorKeepAlive(int pingInterval, int pingTimeout)
    {
        PingTimeout = pingTimeout;
        _timeout = pingTimeout;
        _tick = TimeSpan.FromMilliseconds(pingInterval / (double)Slots);
        _timer = new Timer(static keepAlive => ((FloorKeepAlive)keepAlive!).Tick(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Milliseconds of silence before a client is dropped; told to the client in the handshake.</summary>
    public int PingTimeout { get; }

    public void Add(FloorSocket socket)
    {
        socket.Slot = (int)((uint)Interlocked.Increment(ref _placed) % Slots);
        lock (_slots[socket.Slot]) _slots[socket.Slot].Add(socket);
        lock (_counting)
            if (++_count == 1) _timer.Change(_tick, _tick);
    }

    public void Remove(FloorSocket socket)
    {
        bool removed;
        lock (_slots[socket.Slot]) removed = _slots[socket.Slot].Remove(socket);
        if (!removed) return;
        lock (_counting)
            if (--_count == 0) _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    private void Tick()
    {
        var slot = _slots[_next];
        _next = (_next + 1) % Slots;
        FloorSocket[] sockets;
        lock (slot) sockets = [.. slot];
        var now = Environment.TickCount64;
        foreach (var socket in sockets)
        {
            if (now - socket.LastHeard > _timeout) socket.Abort();
            else socket.Send(Ping);
        }
    }

    public void Dispose() => _timer.Dispose();
}
