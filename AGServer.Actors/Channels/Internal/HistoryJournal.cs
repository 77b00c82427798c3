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
    private readonly HistoryBuffer _kept;
    private readonly int _size;
    private int _sinceDeletion;

    public HistoryJournal(string channel, int size, TimeSpan? ttl)
    {
        _channel = channel;
        _size = Math.Max(1, size);
        _kept = new HistoryBuffer(_size, ttl);
        Recover<JournaledPublication>(publication => _kept.Put(publication.Epoch, publication.ToEntry(), Environment.TickCount64));
        Recover<RecoveryCompleted>(_ =>
        {
            _kept.Trim(Environment.TickCount64);
            Context.Parent.Tell(new Recovered(_kept.Offset == 0 ? null : new HistoryTail(_kept.Epoch, _kept.Offset, _kept.All)));
        });
        Command<Append>(append => PersistAsync(JournaledPublication.From(append.Epoch, append.Entry), written =>
        {
            _kept.Put(written.Epoch, written.ToEntry(), Environment.TickCount64);
            Context.Parent.Tell(new Journaled(written.Epoch, written.Offset));
            if (++_sinceDeletion >= _size) DeleteBeyondRetention();
        }));
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(_ => { });   // tried again at the next history's worth
    }

    public override string PersistenceId => "agserver-history:" + _channel;

    public static Props Props(string channel, int size, TimeSpan? ttl) => Akka.Actor.Props.Create(() => new HistoryJournal(channel, size, ttl));

    /// <summary>Every event older than the publications kept (dropped by size or TTL, or of an earlier epoch) goes.</summary>
    private void DeleteBeyondRetention()
    {
        _sinceDeletion = 0;
        _kept.Trim(Environment.TickCount64);
        var upTo = LastSequenceNr - _kept.Count;
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
