using System.Buffers;
using Akka.Actor;
using AGServer.Middleware;
using AGServer.Sockets;

namespace AGServer.Server.Internal;

/// <summary>
/// Pings every socket of a server and finds the silent ones, from one timer instead of two Akka timers per socket.
/// Sockets are spread over up to <see cref="MaxSlots"/> slots (a tick at least every 100 ms); each tick (a slot's share of the ping interval) takes
/// one slot: a socket heard from within the ping timeout gets its ping posted to its outbox (no actor message, one
/// thread for the whole slot), a silent one is told <see cref="Silent"/> once. So each socket is pinged once per ping
/// interval, and a client that went silent is noticed between the ping timeout and the ping timeout plus one ping
/// interval after it was last heard from. Between ticks nothing wakes up.
/// The timer is the actor system's (<see cref="Hosting.CoalescingScheduler"/> on a node), so the wheel's ticks share
/// wake-ups with the node's other timers rather than waking .NET's timer thread twice each; a tick that comes late
/// takes every slot whose time has come, so each socket is still pinged once per ping interval.
/// </summary>
internal sealed class KeepAliveWheel : IDisposable
{
    /// <summary>Told to a socket actor whose client has not been heard from within the ping timeout.</summary>
    internal sealed record Silent
    {
        public static readonly Silent Instance = new();
    }

    /// <summary>One socket on the wheel; the socket actor marks it heard on every inbound frame.</summary>
    internal sealed class Member
    {
        internal readonly AGServerSocket Socket;
        internal readonly IActorRef Actor;
        internal int Slot;
        internal int Index;
        private long _lastHeard = Environment.TickCount64;
        private int _reportedSilent;

        internal Member(AGServerSocket socket, IActorRef actor)
        {
            Socket = socket;
            Actor = actor;
        }

        /// <summary>Called for every inbound frame: one write, and a second only after a silence was reported.</summary>
        public void Heard()
        {
            Volatile.Write(ref _lastHeard, Environment.TickCount64);
            if (Volatile.Read(ref _reportedSilent) != 0) Volatile.Write(ref _reportedSilent, 0);
        }

        /// <summary>Milliseconds since the client was last heard from.</summary>
        public long SilentFor(long now) => now - Volatile.Read(ref _lastHeard);

        internal bool FirstReport() => Interlocked.Exchange(ref _reportedSilent, 1) == 0;

        /// <summary>The pong the client answers a ping with: <c>#2</c> in protocol 1, an empty message in protocol 2.</summary>
        internal byte[] Pong = [];

        /// <summary>
        /// A pong the transport read, taken here when nothing else needs it, so an idle connection's pongs never go
        /// through the socket's actor: the socket is open, its auth token (if any) has not expired (on a pong the actor
        /// deauthenticates an expired one, as socketcluster-server does), and neither a <c>message</c> listener nor
        /// INBOUND_RAW middleware wants to see raw messages. False: the transport hands the pong to the actor.
        /// </summary>
        public bool TryTakePong()
        {
            var socket = Socket;
            if (socket.State != SocketState.Open) return false;
            if (socket.AuthExpiry is { } expiry && DateTimeOffset.UtcNow > expiry) return false;
            if (socket.Listeners.HasConsumers(SocketEvents.Message.Name)) return false;
            if (socket.Server.Middleware.Wants(MiddlewareType.InboundRaw, new ActionInfo(ActionType.Message, null, socket.Request))) return false;
            Heard();
            Interlocked.Increment(ref socket.InboundReceived);
            Interlocked.Increment(ref socket.InboundProcessed);
            return true;
        }
    }

    /// <summary>
    /// Most slots: many small slots rather than a few big ones, since a tick's pings (and the pongs they bring back)
    /// come as a burst that other sockets' requests wait behind.
    /// </summary>
    internal const int MaxSlots = 64;

    /// <summary>The shortest tick: a short ping interval gets fewer slots rather than a timer firing every millisecond.</summary>
    private const double MinTickMs = 100;

    private readonly int _slotCount;
    private readonly List<Member>[] _slots;
    private readonly byte[] _ping;
    private readonly byte[] _pong;
    private readonly long _timeout;
    private readonly IScheduler _scheduler;
    private ICancelable? _ticks;
    private bool _disposed;
    private TimeSpan _startedAt;
    private long _slotsTaken;
    private int _nextSlot;
    private int _placed;
    private int _ticking;

    /// <param name="pingInterval">Milliseconds between two pings to one socket.</param>
    /// <param name="pingTimeout">Milliseconds of silence after which a socket is told <see cref="Silent"/>.</param>
    /// <param name="protocolVersion">The server's protocol version: 1 pings with <c>#1</c>, 2 with an empty frame.</param>
    /// <param name="scheduler">The actor system's scheduler, which runs the ticks.</param>
    public KeepAliveWheel(int pingInterval, int pingTimeout, int protocolVersion, IScheduler scheduler)
    {
        _scheduler = scheduler;
        _slotCount = Math.Clamp((int)(pingInterval / MinTickMs), 1, MaxSlots);
        _slots = new List<Member>[_slotCount];
        for (var i = 0; i < _slotCount; i++) _slots[i] = [];
        _ping = protocolVersion == 1 ? "#1"u8.ToArray() : [];
        _pong = protocolVersion == 1 ? "#2"u8.ToArray() : [];
        _timeout = pingTimeout;
        _tick = TimeSpan.FromMilliseconds(Math.Max(1.0, pingInterval / (double)_slotCount));
    }

    private readonly TimeSpan _tick;
    private readonly Lock _running = new();
    private int _members;

    /// <summary>True while the wheel's timer runs (from the first socket to the last).</summary>
    public bool IsTicking
    {
        get
        {
            lock (_running) return _ticks is not null;
        }
    }

    /// <summary>
    /// Counts a socket in or out, starting the timer with the first and stopping it after the last: a node with no
    /// sockets has no timer of the wheel's to wake it.
    /// </summary>
    private void Counted(int change)
    {
        lock (_running)
        {
            _members += change;
            if (_members == 1 && change > 0 && !_disposed)
            {
                _startedAt = _scheduler.MonotonicClock;
                _slotsTaken = 0;
                try
                {
                    _ticks = _scheduler.Advanced.ScheduleRepeatedlyCancelable(_tick, _tick, Tick);
                }
                catch (SchedulerException)
                {
                    // A socket that arrived while the actor system shuts down: it goes with the node, unpinged.
                }
            }
            else if (_members == 0) StopTicking();
        }
    }

    private void StopTicking()
    {
        _ticks?.Cancel();
        _ticks = null;
    }

    public Member Add(AGServerSocket socket, IActorRef actor)
    {
        var member = new Member(socket, actor) { Slot = (int)((uint)Interlocked.Increment(ref _placed) % _slotCount), Pong = _pong };
        var slot = _slots[member.Slot];
        lock (slot)
        {
            member.Index = slot.Count;
            slot.Add(member);
        }
        Counted(+1);
        return member;
    }

    public void Remove(Member member)
    {
        var slot = _slots[member.Slot];
        lock (slot)
        {
            if (member.Index < 0) return;
            var last = slot[^1];
            slot[member.Index] = last;
            last.Index = member.Index;
            slot.RemoveAt(slot.Count - 1);
            member.Index = -1;
        }
        Counted(-1);
    }

    /// <summary>Sockets on the wheel.</summary>
    public int Count
    {
        get
        {
            var count = 0;
            foreach (var slot in _slots)
                lock (slot) count += slot.Count;
            return count;
        }
    }

    /// <summary>Takes every slot whose time has come since the wheel started (one, unless the tick came late).</summary>
    private void Tick()
    {
        // A tick that outlasts the interval (a huge slot on a loaded node) is not overlapped by the next one.
        if (Interlocked.Exchange(ref _ticking, 1) == 1) return;
        try
        {
            long take;
            lock (_running)
            {
                var due = (long)((_scheduler.MonotonicClock - _startedAt) / _tick);
                // Far behind (a paused process): each slot once, not a burst of rounds.
                take = Math.Clamp(due - _slotsTaken, 0, _slotCount);
                _slotsTaken = Math.Max(_slotsTaken, due);
            }
            for (var i = 0; i < take; i++) TakeSlot();
        }
        finally
        {
            Volatile.Write(ref _ticking, 0);
        }
    }

    private void TakeSlot()
    {
        var slot = _slots[_nextSlot];
        _nextSlot = (_nextSlot + 1) % _slotCount;
        Member[] members;
        int count;
        lock (slot)
        {
            count = slot.Count;
            members = ArrayPool<Member>.Shared.Rent(count);
            slot.CopyTo(members);
        }
        try
        {
            var now = Environment.TickCount64;
            for (var i = 0; i < count; i++)
            {
                var member = members[i];
                if (member.SilentFor(now) > _timeout)
                {
                    if (member.FirstReport()) member.Actor.Tell(Silent.Instance);
                }
                // Not before the handshake: a client's pong then would break a strict handshake.
                else if (member.Socket.State == SocketState.Open) member.Socket.Outbox.Ping(_ping);
            }
        }
        finally
        {
            Array.Clear(members, 0, count);
            ArrayPool<Member>.Shared.Return(members);
        }
    }

    public void Dispose()
    {
        lock (_running)
        {
            _disposed = true;
            StopTicking();
        }
    }
}
