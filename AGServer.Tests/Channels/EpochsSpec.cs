using AGServer.Channels.Internal;
using Xunit;

namespace AGServer.Tests.Channels;

/// <summary>Which copy of a history a restarted channel entity continues from, when brokers report copies of several epochs.</summary>
public sealed class EpochsSpec
{
    private static HistoryTail Tail(string epoch, long offset) => new(epoch, offset, []);

    [Fact]
    public void A_new_epoch_sorts_after_the_one_it_replaces_even_when_that_one_began_in_the_future()
    {
        var ahead = (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 60_000).ToString("x12") + "0000"; // a node whose clock runs a minute ahead
        var next = Epochs.New(after: ahead);
        Assert.True(Epochs.BeganAt(next) > Epochs.BeganAt(ahead));
        Assert.Equal(16, next.Length);
    }

    [Fact]
    public void The_newest_epochs_copy_is_continued_even_when_an_older_epochs_copy_has_a_higher_offset()
    {
        var older = Epochs.New();
        var newer = Epochs.New(after: older);
        // A broker that missed the newer epoch's publications still holds the older one, further along.
        var copies = new[] { Tail(older, 90), Tail(newer, 3), Tail(newer, 5), Tail(older, 100) };
        Assert.Equal((newer, 5L), Epochs.Newest(copies, t => t) is var best ? (best.Epoch, best.Offset) : default);
    }

    [Fact]
    public void An_epoch_of_the_earlier_random_form_counts_as_the_oldest()
    {
        var current = Epochs.New();
        Assert.Equal(0, Epochs.BeganAt("1a2b3c4d"));
        Assert.Equal(current, Epochs.Newest(new[] { Tail("1a2b3c4d", 50), Tail(current, 1) }, t => t).Epoch);
    }
}
