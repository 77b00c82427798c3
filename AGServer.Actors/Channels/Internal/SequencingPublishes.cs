namespace AGServer.Channels.Internal;

/// <summary>
/// A broker's publishes on channels with history that their entity has not answered yet. A publish sent to an entity
/// whose node just crashed is lost on the way, so an unanswered one is sent again until answered or its deadline:
/// then its publisher gets an error, never silence. Order holds per channel: once the oldest waiting publish of a
/// channel goes unanswered, the channel stalls (only that one is sent again, newer ones wait unsent) until the entity
/// answers, then everything still waiting goes again in order; the entity recognises those it already numbered by
/// their key. Bounded: beyond <c>limit</c> waiting publishes, new ones are refused. Plain class, tested directly.
/// </summary>
internal sealed class SequencingPublishes(int limit)
{
    internal sealed class Pending(Publish publish, long sequence, long since)
    {
        public Publish Publish { get; } = publish;

        /// <summary>The broker's count for this publish: the correlation the entity answers with.</summary>
        public long Sequence { get; } = sequence;

        /// <summary>When it was handed to the broker (the deadline counts from here).</summary>
        public long Since { get; } = since;

        /// <summary>When it was last sent; null while it waits unsent behind a stalled channel.</summary>
        public long? SentAt { get; set; }

        public bool Done { get; set; }
    }

    private sealed class ChannelQueue
    {
        public readonly Queue<Pending> Waiting = new();
        public bool Stalled;
    }

    private readonly Dictionary<string, ChannelQueue> _channels = new();
    private readonly Dictionary<long, Pending> _bySequence = new();

    public int Count => _bySequence.Count;

    /// <summary>
    /// Takes a new publish; null when <c>limit</c> publishes wait already. <paramref name="send"/>: false when its
    /// channel is stalled (it goes out with the others once the entity answers).
    /// </summary>
    public Pending? Add(Publish publish, long sequence, long now, out bool send)
    {
        send = false;
        if (_bySequence.Count >= limit) return null;
        if (!_channels.TryGetValue(publish.Channel, out var queue)) _channels[publish.Channel] = queue = new ChannelQueue();
        var pending = new Pending(publish, sequence, now);
        queue.Waiting.Enqueue(pending);
        _bySequence[sequence] = pending;
        send = !queue.Stalled;
        if (send) pending.SentAt = now;
        return pending;
    }

    /// <summary>
    /// The entity answered <paramref name="sequence"/>: its publish, or null when it was answered or expired before.
    /// An answer on a stalled channel ends the stall: what still waits there is added to <paramref name="resend"/>.
    /// </summary>
    public Publish? Accepted(long sequence, long now, List<Pending> resend)
    {
        if (!_bySequence.Remove(sequence, out var pending)) return null;
        pending.Done = true;
        var channel = pending.Publish.Channel;
        var queue = _channels[channel];
        if (queue.Stalled)
        {
            queue.Stalled = false;
            foreach (var waiting in queue.Waiting)
            {
                if (waiting.Done) continue;
                waiting.SentAt = now;
                resend.Add(waiting);
            }
        }
        DropDone(channel, queue);
        return pending.Publish;
    }

    /// <summary>
    /// Once a tick: publishes past <paramref name="deadlineMs"/> go to <paramref name="expired"/>; a channel whose
    /// oldest publish was sent <paramref name="retryAfterMs"/> ago or more stalls, and that one goes to <paramref name="resend"/>.
    /// </summary>
    public void Due(long now, long retryAfterMs, long deadlineMs, List<Pending> resend, List<Publish> expired)
    {
        List<string>? empty = null;
        foreach (var (channel, queue) in _channels)
        {
            while (queue.Waiting.TryPeek(out var oldest) && (oldest.Done || now - oldest.Since >= deadlineMs))
            {
                queue.Waiting.Dequeue();
                if (oldest.Done) continue;
                _bySequence.Remove(oldest.Sequence);
                expired.Add(oldest.Publish);
            }
            if (!queue.Waiting.TryPeek(out var head))
            {
                (empty ??= []).Add(channel);
                continue;
            }
            if (head.SentAt is { } sent && now - sent < retryAfterMs) continue;
            queue.Stalled = true;
            head.SentAt = now;
            resend.Add(head);
        }
        if (empty is not null) foreach (var channel in empty) _channels.Remove(channel);
    }

    private void DropDone(string channel, ChannelQueue queue)
    {
        while (queue.Waiting.TryPeek(out var oldest) && oldest.Done) queue.Waiting.Dequeue();
        if (queue.Waiting.Count == 0) _channels.Remove(channel);
    }
}
