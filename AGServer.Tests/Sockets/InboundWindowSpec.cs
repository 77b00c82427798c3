using AGServer.Sockets.Internal;
using Xunit;

namespace AGServer.Tests.Sockets;

/// <summary>A socket's inbound ledger, the one both transports keep: its stops, its reopenings and the node budget's share.</summary>
public sealed class InboundWindowSpec
{
    [Fact]
    public async Task A_full_window_stops_the_reader_until_half_of_it_is_released()
    {
        var window = new InboundWindow(100);
        Assert.Null(window.Hold(60));
        var reopened = window.Hold(40);

        Assert.NotNull(reopened);
        Assert.True(window.IsPaused);
        window.Release(40); // 60 held: more than half
        Assert.False(reopened.IsCompleted);
        window.Release(10); // 50 held: half
        await reopened.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(window.IsPaused);
        Assert.Equal(50, window.Held);
    }

    [Fact]
    public void An_empty_frame_holds_one_byte()
    {
        var window = new InboundWindow(100);
        window.Hold(0);
        Assert.Equal(1, window.Held);
        window.Release(0);
        Assert.Equal(0, window.Held);
    }

    [Fact]
    public void Charges_alone_filling_the_window_stop_the_actor_until_they_hold_half()
    {
        var window = new InboundWindow(100);
        window.Hold(30); // a frame in the window does not count toward the actor's stop
        Assert.False(window.Charge(60));
        Assert.True(window.Charge(40));

        Assert.False(window.ReleaseCharge(40)); // 60 charged
        Assert.True(window.ReleaseCharge(10));  // 50: the actor goes on, once
        Assert.False(window.ReleaseCharge(10));
        Assert.Equal(70, window.Held);
    }

    [Fact]
    public async Task A_released_charge_also_reopens_the_reader()
    {
        var window = new InboundWindow(100);
        window.Charge(80);
        var reopened = window.Hold(20);
        Assert.NotNull(reopened);
        window.ReleaseCharge(80);
        await reopened.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_gone_connection_frees_a_waiting_reader_and_none_waits_again()
    {
        var window = new InboundWindow(10);
        var reopened = window.Hold(10);
        window.ConnectionGone();
        await reopened!.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Null(window.Hold(100));
    }

    [Fact]
    public void The_node_budget_counts_what_is_held_while_reading_and_gets_all_of_it_back_once_when_reading_ends()
    {
        var budget = new InboundBudget(1_000);
        var window = new InboundWindow(100, budget);
        Assert.True(window.TryReserve(200)); // a read buffer growing for a big message
        window.Hold(30);
        window.Charge(20);
        Assert.Equal(250, budget.Held);
        window.ReleaseReservation();
        window.Release(30);
        Assert.Equal(20, budget.Held);

        Assert.True(window.TryReserve(100));
        window.EndReading();
        window.EndReading();
        Assert.Equal(0, budget.Held);
        // Once reading ended, what the socket still releases or charges is its own.
        window.ReleaseCharge(20);
        window.Charge(10);
        Assert.Equal(0, budget.Held);
        Assert.Equal(10, window.Held);
    }

    [Fact]
    public void A_read_buffer_the_node_budget_has_no_room_for_is_refused()
    {
        var window = new InboundWindow(100, new InboundBudget(100));
        Assert.True(window.TryReserve(100));
        Assert.False(window.TryReserve(1));
    }
}
