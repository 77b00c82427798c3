using AGServer.Channels.Internal;
using Xunit;

namespace AGServer.Tests.Channels;

/// <summary>A broker's unconfirmed publishes on channels with history: sent again in order, answered by their deadline.</summary>
public sealed class SequencingPublishesSpec
{
    private static Publish On(string channel, long correlation) => new(channel, [1], null, correlation);

    [Fact]
    public void An_unanswered_publish_stalls_its_channel_and_an_answer_sends_everything_still_waiting_in_order()
    {
        var pending = new SequencingPublishes(limit: 100);
        pending.Add(On("a", 1), 1, now: 0, out var sent1);
        pending.Add(On("a", 2), 2, now: 0, out var sent2);
        pending.Add(On("b", 3), 3, now: 0, out _);
        Assert.True(sent1 && sent2);

        var resend = new List<SequencingPublishes.Pending>();
        var expired = new List<Publish>();
        pending.Due(now: 2_000, retryAfterMs: 2_000, deadlineMs: 9_000, resend, expired);
        Assert.Equal([1L, 3], resend.Select(p => p.Sequence));     // the oldest of each channel only
        Assert.Empty(expired);

        pending.Add(On("a", 4), 4, now: 2_100, out var sent4);
        Assert.False(sent4);                                      // behind the stalled oldest: it waits unsent

        resend.Clear();
        Assert.Equal(1, pending.Accepted(1, now: 2_200, resend)!.Correlation);
        Assert.Equal([2L, 4], resend.Select(p => p.Sequence));     // the rest, in order, once the entity answers
        Assert.Null(pending.Accepted(1, now: 2_300, []));           // a second answer to the same publish is ignored
    }

    [Fact]
    public void A_publish_past_its_deadline_is_given_up_and_the_next_one_takes_its_place()
    {
        var pending = new SequencingPublishes(limit: 100);
        pending.Add(On("a", 1), 1, now: 0, out _);
        pending.Add(On("a", 2), 2, now: 5_000, out _);

        var resend = new List<SequencingPublishes.Pending>();
        var expired = new List<Publish>();
        pending.Due(now: 9_000, retryAfterMs: 2_000, deadlineMs: 9_000, resend, expired);
        Assert.Equal([1L], expired.Select(p => p.Correlation));
        Assert.Equal([2L], resend.Select(p => p.Sequence));
        Assert.Equal(1, pending.Count);
    }

    [Fact]
    public void Beyond_the_limit_a_new_publish_is_refused()
    {
        var pending = new SequencingPublishes(limit: 2);
        Assert.NotNull(pending.Add(On("a", 1), 1, 0, out _));
        Assert.NotNull(pending.Add(On("b", 2), 2, 0, out _));
        Assert.Null(pending.Add(On("c", 3), 3, 0, out _));
        pending.Accepted(1, 1, []);
        Assert.NotNull(pending.Add(On("c", 3), 3, 1, out _));
    }

    [Fact]
    public void A_copy_of_a_history_keeps_following_offsets_starts_again_after_a_gap_or_a_new_epoch_and_ignores_repeats()
    {
        var copy = new HistoryBuffer(10, null);
        Assert.True(copy.Put("e1", new HistoryBuffer.Entry(4, [4], 0, new PublishKey(1, 4)), 0));
        Assert.True(copy.Put("e1", new HistoryBuffer.Entry(5, [5], 0, new PublishKey(1, 5)), 0));
        Assert.False(copy.Put("e1", new HistoryBuffer.Entry(5, [5], 0), 0));
        Assert.Equal([4L, 5], copy.All.Select(e => e.Offset));
        Assert.True(copy.TryGetOffset(new PublishKey(1, 5), out var offset) && offset == 5);

        copy.Put("e1", new HistoryBuffer.Entry(7, [7], 0), 0);        // missed 6: the copy is only what follows
        Assert.Equal([7L], copy.All.Select(e => e.Offset));
        Assert.False(copy.TryGetOffset(new PublishKey(1, 5), out _));
        copy.Put("e2", new HistoryBuffer.Entry(1, [1], 0), 0);
        Assert.Equal(("e2", 1L), (copy.Epoch, copy.Offset));
    }

    [Fact]
    public void An_entity_takes_over_a_copy_further_along_in_its_epoch_but_never_one_of_another_epoch()
    {
        var history = new HistoryBuffer(10, null);
        Assert.True(history.Adopt("e1", 3, [new HistoryBuffer.Entry(3, [3], 0)]));
        Assert.True(history.Adopt("e1", 5, [new HistoryBuffer.Entry(4, [4], 0), new HistoryBuffer.Entry(5, [5], 0)]));
        Assert.False(history.Adopt("e1", 4, []));
        Assert.False(history.Adopt("e9", 50, []));
        Assert.Equal(6, history.Append([6], 0).Offset);
    }
}
