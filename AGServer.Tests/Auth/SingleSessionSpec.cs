using AGServer.Protocol;
using AGServer.Sockets;
using AGServer.Testing;
using Xunit;

namespace AGServer.Tests.Auth;

/// <summary>Single-session mode on two nodes: a user's new session closes the older one, wherever it is.</summary>
public sealed class SingleSessionSpec : AGServerTestKit
{
    private sealed record Login(string User);

    [Fact]
    public async Task A_users_new_session_on_one_node_closes_the_older_one_on_another_with_4104()
    {
        var one = await StartServerAsync(o => o.SingleSessionPerUser = true);
        var two = await StartNodeAsync(o => o.SingleSessionPerUser = true);
        foreach (var node in Nodes)
            node.MapProcedure("login", (Login login, AGRequestContext context) =>
                context.Socket.SetAuthTokenAsync(new { sub = login.User }, cancellationToken: context.ConnectionClosed));
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
}
