namespace AGServer.Sockets.Internal;

/// <summary>
/// One socket's inbound credit (<see cref="ISocketTransport.ReleaseInbound"/>), the ledger both transports keep: the
/// bytes of frames handed to the socket actor and not yet processed, and the bytes charged for requests and messages
/// handed to application streams that no consumer took yet. The reader stops while the window is full and goes on at
/// half (<see cref="Hold"/>); charges alone filling it stop the actor until they hold half (<see cref="Charge"/>,
/// <see cref="ReleaseCharge"/>). With a node budget (<see cref="InboundBudget"/>) every byte held also counts there
/// while reading goes on, as does a growing read buffer (<see cref="TryReserve"/>); once reading ended
/// (<see cref="EndReading"/>) the budget has all of them back, and what the socket still releases is its own.
/// </summary>
/// <remarks>Thread-safe: the reader, the actor and the consumers' threads all use it, under one short lock.</remarks>
internal sealed class InboundWindow(int size, InboundBudget? budget = null)
{
    private readonly Lock _gate = new();
    private long _held;
    private long _charged;
    private long _reserved;
    private bool _actorWaits;
    private bool _readingEnded;
    private bool _connectionGone;
    private TaskCompletionSource? _reopened;

    /// <summary>Bytes of frames and charged items held now.</summary>
    public long Held
    {
        get
        {
            lock (_gate) return _held;
        }
    }

    /// <summary>True while the reader waits for the window to reopen.</summary>
    public bool IsPaused
    {
        get
        {
            lock (_gate) return _reopened is not null;
        }
    }

    /// <summary>
    /// Counts a frame handed to the actor (an empty one as one byte: it still costs the actor a message); when that
    /// fills the window, the task the reader awaits before it reads again (null: read on).
    /// </summary>
    public Task? Hold(int bytes)
    {
        bytes = Math.Max(bytes, 1);
        lock (_gate)
        {
            _held += bytes;
            if (!_readingEnded) budget?.Add(bytes);
            if (_held < size || _connectionGone) return null;
            return (_reopened ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }

    /// <summary>
    /// An item handed on holds <paramref name="bytes"/> until a consumer takes it. True when the charges alone now fill
    /// the window: the actor then waits until <see cref="ReleaseCharge"/> says it may go on.
    /// </summary>
    public bool Charge(int bytes)
    {
        lock (_gate)
        {
            _held += bytes;
            _charged += bytes;
            if (!_readingEnded) budget?.Add(bytes);
            if (_charged < size) return false;
            _actorWaits = true;
            return true;
        }
    }

    /// <summary>An item was taken (or dropped): its charge leaves the window. True when a waiting actor may go on.</summary>
    public bool ReleaseCharge(int bytes)
    {
        TaskCompletionSource? reopened;
        var actorGoesOn = false;
        lock (_gate)
        {
            _charged -= bytes;
            if (_actorWaits && _charged <= size / 2) (actorGoesOn, _actorWaits) = (true, false);
            reopened = ReleaseHeld(bytes);
        }
        reopened?.TrySetResult();
        return actorGoesOn;
    }

    /// <summary>The actor finished with a frame of <paramref name="bytes"/>.</summary>
    public void Release(int bytes)
    {
        TaskCompletionSource? reopened;
        lock (_gate) reopened = ReleaseHeld(Math.Max(bytes, 1));
        reopened?.TrySetResult();
    }

    private TaskCompletionSource? ReleaseHeld(int bytes)
    {
        _held -= bytes;
        if (!_readingEnded) budget?.Release(bytes);
        if (_held > size / 2) return null;
        var reopened = _reopened;
        _reopened = null;
        return reopened;
    }

    /// <summary>Reserves the node budget's room for a read buffer growing by <paramref name="bytes"/>; false when it has none.</summary>
    public bool TryReserve(int bytes)
    {
        if (budget is null) return true;
        if (!budget.TryReserve(bytes)) return false;
        lock (_gate) _reserved += bytes;
        return true;
    }

    /// <summary>The big read buffer was handed on as a frame (now held as one): its reservation goes back.</summary>
    public void ReleaseReservation()
    {
        long reserved;
        lock (_gate) (reserved, _reserved) = (_reserved, 0);
        if (reserved > 0) budget?.Release(reserved);
    }

    /// <summary>Reading is over: what the socket still holds of the node's budget goes back to it, once.</summary>
    public void EndReading()
    {
        long held;
        lock (_gate)
        {
            if (_readingEnded) return;
            _readingEnded = true;
            held = _reserved + _held;
            _reserved = 0;
        }
        if (held > 0) budget?.Release(held);
    }

    /// <summary>The connection is gone: a reader waiting for the window goes on, and none waits again.</summary>
    public void ConnectionGone()
    {
        TaskCompletionSource? reopened;
        lock (_gate)
        {
            _connectionGone = true;
            (reopened, _reopened) = (_reopened, null);
        }
        reopened?.TrySetResult();
    }
}
