using AGServer.Protocol;
using AGServer.Server;
using AGServer.Sockets;
using AGServer.Sockets.Internal;
using AGServer.Testing;
using Xunit;

namespace AGServer.Tests.Auth;

/// <summary>Sockets per user across two nodes: a user's new sessions close their oldest ones beyond the limit, wherever they are.</summary>
public sealed class SingleSessionSpec : AGServerTestKit
{
    private sealed record Login(string User);

    /// <summary>Two nodes with the limit, each serving a login that names the user.</summary>
    private async Task<(SocketClusterServer One, SocketClusterServer Two)> StartCluster(int maxSocketsPerUser,
        UserSocketLimitPolicy policy = UserSocketLimitPolicy.CloseOldest)
    {
        var one = await StartServerAsync(o => (o.MaxSocketsPerUser, o.MaxSocketsPerUserPolicy) = (maxSocketsPerUser, policy));
        var two = await StartNodeAsync(o => (o.MaxSocketsPerUser, o.MaxSocketsPerUserPolicy) = (maxSocketsPerUser, policy));
        foreach (var node in Nodes)
            node.MapProcedure("login", (Login login, AGRequestContext context) =>
                context.Socket.SetAuthTokenAsync(new { sub = login.User }, cancellationToken: context.ConnectionClosed));
        return (one, two);
    }

    /// <summary>A client of <paramref name="node"/> logged in as ann.</summary>
    private async Task<Testing.AGTestClient> Session(SocketClusterServer node)
    {
        var client = await ConnectAsync(node);
        await client.InvokeAsync("login", new { user = "ann" });
        return client;
    }

    /// <summary>
    /// A client of <paramref name="node"/> logging in as ann where the policy refuses it: the refusal (its socket closed)
    /// and the login's answer race, so the login either succeeds or ends with the connection.
    /// </summary>
    private async Task<Testing.AGTestClient> RefusedSession(SocketClusterServer node)
    {
        var client = await ConnectAsync(node);
        try
        {
            await client.InvokeAsync("login", new { user = "ann" });
        }
        catch (AGServer.Client.AGClientError error) when (error.Name == "BadConnectionError")
        {
            // Closed before the answer went out (the close is asserted by the caller).
        }
        return client;
    }

    [Fact]
    public async Task A_users_new_session_on_one_node_closes_the_older_one_on_another_with_4104()
    {
        var (one, two) = await StartCluster(maxSocketsPerUser: 1);
        await using var older = await ConnectAsync(two);
        await older.InvokeAsync("login", new { user = "ann" });
        await using var bystander = await ConnectAsync(two);
        await bystander.InvokeAsync("login", new { user = "bob" });

        await using var newer = await ConnectAsync(one);
        await newer.InvokeAsync("login", new { user = "ann" });

        Assert.Equal(CloseCodes.SessionReplaced, (await older.Closed.WaitAsync(TimeSpan.FromSeconds(10))).Code);
        Assert.True(newer.IsAuthenticated);
        Assert.Single(one.Users.Local("ann"));
        Assert.False(bystander.Closed.IsCompleted);   // another user's session is untouched
        Assert.Single(two.Users.Local("bob"));
    }

    [Fact]
    public async Task With_a_limit_of_two_the_oldest_session_closes_and_ended_sessions_do_not_count()
    {
        var (one, two) = await StartCluster(maxSocketsPerUser: 2);
        await using var first = await Session(two);
        var second = await Session(one);
        await second.DisposeAsync();                     // ended: it no longer counts against the first
        await AwaitConditionAsync(() => Task.FromResult(one.Users.Local("ann").Count == 0));
        await using var third = await Session(one);
        // Told after the third's start along the same path (node 1 to node 2's sockets of ann): it arrives after it.
        var ping = first.NextEventAsync("ping");
        one.Users.Tell("ann", SocketCommand.Transmit("ping", 1));
        await ping;
        Assert.False(first.Closed.IsCompleted);          // two live sessions: the first and the third

        await using var fourth = await Session(two);
        Assert.Equal(CloseCodes.SessionReplaced, (await first.Closed.WaitAsync(TimeSpan.FromSeconds(10))).Code);
        Assert.False(third.Closed.IsCompleted);
    }

    [Fact]
    public async Task Refusing_the_newest_a_user_at_the_limit_is_refused_on_every_node_until_a_session_ends()
    {
        var (one, two) = await StartCluster(maxSocketsPerUser: 2, UserSocketLimitPolicy.RefuseNewest);
        await using var first = await Session(one);
        var second = await Session(two);
        await using var refusedOnOne = await RefusedSession(one);
        await using var refusedOnTwo = await RefusedSession(two);

        Assert.Equal(CloseCodes.TooManySessions, (await refusedOnOne.Closed.WaitAsync(TimeSpan.FromSeconds(10))).Code);
        Assert.Equal(CloseCodes.TooManySessions, (await refusedOnTwo.Closed.WaitAsync(TimeSpan.FromSeconds(10))).Code);
        Assert.False(first.Closed.IsCompleted);          // the sessions already there stay
        Assert.False(second.Closed.IsCompleted);

        await second.DisposeAsync();                     // a session ends: there is room for one more
        await AwaitConditionAsync(() => Task.FromResult(two.Users.Local("ann").Count == 0));
        await using var third = await Session(two);
        var ping = third.NextEventAsync("ping");
        one.Users.Tell("ann", SocketCommand.Transmit("ping", 1));
        await ping;              // it is open and reachable as ann's
        Assert.False(third.Closed.IsCompleted);          // (the one older session left, first, is below the limit)
    }

    [Fact]
    public async Task A_session_that_hears_of_an_older_one_late_counts_it_and_answers_with_its_own_start()
    {
        // Two logins in the same instant on two nodes: the older one's start can pass the newer one's node before the
        // newer one registered there, so the newer one hears of it only through that start, not through an answer.
        var (one, _) = await StartCluster(maxSocketsPerUser: 1, UserSocketLimitPolicy.RefuseNewest);
        await using var session = await Session(one);
        var socket = Assert.Single(one.Users.Local("ann"));

        one.Users.Route("ann", new SessionStarted("an-older-socket", socket.UserSince - 1), TestActor);

        var answer = await ExpectMsgAsync<SessionExists>();
        Assert.Equal((socket.Id, socket.UserSince), (answer.SocketId, answer.Since));
        Assert.Equal(CloseCodes.TooManySessions, (await session.Closed.WaitAsync(TimeSpan.FromSeconds(10))).Code);
    }
}
