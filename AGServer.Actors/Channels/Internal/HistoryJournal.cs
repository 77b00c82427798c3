using Akka.Actor;
using Akka.Persistence;

namespace AGServer.Channels.Internal;

/// <summary>
/// A channel's history in the Akka.Persistence journal (configured with <c>--history-journal</c>), so it survives a
/// restart of every node: a child of the channel's entity, one event per publication (persisted asynchronously; the
/// SQL journal batches the writes), confirmed to the entity with <see cref="Journaled"/>. On start it replays what is
/// kept and tells the entity (<see cref="Recovered"/>), which continues it like any other copy. Retention is applied
/// in the store: once the publications beyond the history's size or older than its TTL add up to a history's worth,
/// they are deleted. A journal that fails stops, and its entity with it (the next message starts both again).
/// </summary>
internal sealed class HistoryJournal : ReceivePersistentActor
{
    /// <summary>From the entity: a numbered publication to write.</summary>
    public sealed record Append(string Epoch, HistoryBuffer.Entry Entry);

    /// <summary>To the entity: written up to <see cref="Offset"/> of <see cref="Epoch"/>.</summary>
    public sealed record Journaled(string Epoch, long Offset);

    /// <summary>To the entity: what the journal kept (null: nothing).</summary>
    public sealed record Recovered(HistoryTail? Tail);

    private readonly string _channel;
    private readonly int _size;
    private readonly TimeSpan? _ttl;
    private int _sinceDeletion;

    /// <summary>What the replay read back, until it is handed to the entity.</summary>
    private HistoryBuffer? _replayed;

    /// <summary>When each publication the history keeps was added: retention needs no frames (the entity holds them).</summary>
    private readonly Queue<long> _keptAt = new();
    private string? _keptEpoch;

    public HistoryJournal(string channel, int size, TimeSpan? ttl)
    {
        _channel = channel;
        _size = Math.Max(1, size);
        _ttl = ttl;
        _replayed = new HistoryBuffer(_size, ttl);
        Recover<JournaledPublication>(publication => _replayed.Put(publication.Epoch, publication.ToEntry(), Environment.TickCount64));
        Recover<RecoveryCompleted>(_ =>
        {
            _replayed.Trim(Environment.TickCount64);
            foreach (var entry in _replayed.All) Kept(_replayed.Epoch, entry.AddedAtMs);
            Context.Parent.Tell(new Recovered(_replayed.Offset == 0 ? null : new HistoryTail(_replayed.Epoch, _replayed.Offset, _replayed.All)));
            _replayed = null;
        });
        Command<Append>(append => PersistAsync(JournaledPublication.From(append.Epoch, append.Entry), written =>
        {
            Kept(written.Epoch, append.Entry.AddedAtMs);
            Context.Parent.Tell(new Journaled(written.Epoch, written.Offset));
            if (++_sinceDeletion >= _size) DeleteBeyondRetention();
        }));
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(_ => { });   // tried again at the next history's worth
    }

    private void Kept(string epoch, long addedAtMs)
    {
        if (epoch != _keptEpoch)
        {
            _keptAt.Clear();   // a new epoch: the previous one's events are all beyond retention
            _keptEpoch = epoch;
        }
        _keptAt.Enqueue(addedAtMs);
        if (_keptAt.Count > _size) _keptAt.Dequeue();
    }

    public override string PersistenceId => "agserver-history:" + _channel;

    public static Props Props(string channel, int size, TimeSpan? ttl) => Akka.Actor.Props.Create(() => new HistoryJournal(channel, size, ttl));

    /// <summary>Every event older than the publications kept (dropped by size or TTL, or of an earlier epoch) goes.</summary>
    private void DeleteBeyondRetention()
    {
        _sinceDeletion = 0;
        if (_ttl is { } ttl)
            while (_keptAt.TryPeek(out var oldest) && Environment.TickCount64 - oldest > ttl.TotalMilliseconds) _keptAt.Dequeue();
        var upTo = LastSequenceNr - _keptAt.Count;
        if (upTo > 0) DeleteMessages(upTo);
    }
}

/// <summary>
/// A publication as the journal keeps it. Its time is wall-clock (unix ms): the node that reads it back may be
/// another, or the same after a restart.
/// </summary>
internal sealed record JournaledPublication(string Epoch, long Offset, byte[] Frame, long AddedAtUnixMs, PublishKey Key) : IChannelWireMessage
{
    public static JournaledPublication From(string epoch, HistoryBuffer.Entry entry) =>
        new(epoch, entry.Offset, entry.Frame, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - (Environment.TickCount64 - entry.AddedAtMs), entry.Key);

    public HistoryBuffer.Entry ToEntry() =>
        new(Offset, Frame, Environment.TickCount64 - (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - AddedAtUnixMs), Key);
}
