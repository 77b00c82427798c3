using Akka.Actor;

namespace AGServer.Server.Internal;

/// <summary>
/// Ends the handshakes that take too long, from one timer for the whole server instead of an Akka timer per socket (a
/// timer, a cancelable, its token source and a scheduler registration that all outlive the handshake by the timeout).
/// Every socket has the same timeout, so deadlines fall due in the order sockets arrive: they wait in a ring, oldest
/// first, and one timer is armed for the oldest. A socket that shook hands or closed leaves its slot empty (it is not
/// kept alive by it); a socket still waiting when its deadline passes is told <see cref="Expired"/>.
/// </summary>
internal sealed class HandshakeDeadlines : IDisposable
{
    /// <summary>Told to a socket actor whose handshake deadline passed while it was waiting.</summary>
    internal sealed record Expired
    {
        public static readonly Expired Instance = new();
    }

    private const int InitialCapacity = 64;

    private readonly Lock _gate = new();
    private readonly long _timeout;
    private readonly Timer _timer;
    private (IActorRef? Socket, long Deadline)[] _ring = new (IActorRef?, long)[InitialCapacity];
    private long _head;
    private long _tail;
    private bool _armed;
    private bool _disposed;

    /// <param name="timeout">Milliseconds a socket may take from arrival to its handshake.</param>
    public HandshakeDeadlines(int timeout)
    {
        _timeout = timeout;
        _timer = new Timer(static deadlines => ((HandshakeDeadlines)deadlines!).Expire(), this, Timeout.Infinite, Timeout.Infinite);
    }

    /// <summary>Starts <paramref name="socket"/>'s clock; the returned ticket is what <see cref="Remove"/> takes.</summary>
    public long Add(IActorRef socket)
    {
        var deadline = Environment.TickCount64 + _timeout;
        lock (_gate)
        {
            if (_tail - _head == _ring.Length) Grow();
            var ticket = _tail++;
            _ring[ticket & (_ring.Length - 1)] = (socket, deadline);
            if (!_armed && !_disposed)
            {
                _armed = true;
                _timer.Change(_timeout, Timeout.Infinite);
            }
            return ticket;
        }
    }

    /// <summary>The socket shook hands or closed: its deadline no longer concerns it.</summary>
    public void Remove(long ticket)
    {
        lock (_gate)
        {
            if (ticket >= _head && ticket < _tail) _ring[ticket & (_ring.Length - 1)] = default;
        }
    }

    /// <summary>Sockets whose deadline is still ahead (those that shook hands included until it passes).</summary>
    public int Waiting
    {
        get
        {
            lock (_gate) return (int)(_tail - _head);
        }
    }

    private void Expire()
    {
        List<IActorRef>? expired = null;
        lock (_gate)
        {
            var now = Environment.TickCount64;
            var mask = _ring.Length - 1;
            while (_head < _tail)
            {
                ref var entry = ref _ring[_head & mask];
                if (entry.Deadline > now) break;
                if (entry.Socket is { } socket) (expired ??= []).Add(socket);
                entry = default;
                _head++;
            }
            if (_head == _tail)
            {
                _armed = false;
                // A burst grew the ring; once it is over the ring goes back to its small size.
                if (_ring.Length > InitialCapacity * 16) _ring = new (IActorRef?, long)[InitialCapacity];
            }
            else if (!_disposed) _timer.Change(Math.Max(1, _ring[_head & mask].Deadline - now), Timeout.Infinite);
        }
        if (expired is null) return;
        foreach (var socket in expired) socket.Tell(Expired.Instance);
    }

    /// <summary>Doubles the ring, keeping every ticket's slot at <c>ticket &amp; (length - 1)</c>.</summary>
    private void Grow()
    {
        var grown = new (IActorRef?, long)[_ring.Length * 2];
        for (var ticket = _head; ticket < _tail; ticket++)
            grown[ticket & (grown.Length - 1)] = _ring[ticket & (_ring.Length - 1)];
        _ring = grown;
    }

    public void Dispose()
    {
        lock (_gate) _disposed = true;
        _timer.Dispose();
    }
}
