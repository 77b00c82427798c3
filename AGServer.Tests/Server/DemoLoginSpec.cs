using AGServer.Testing;
using Xunit;

namespace AGServer.Tests.Server;

/// <summary>The demo chat's login: any visitor picks a name, and so it must never become an application user.</summary>
public sealed class DemoLoginSpec : AGServerTestKit
{
    [Fact]
    public async Task A_demo_login_makes_a_demo_user_that_no_application_user_id_can_be()
    {
        var server = await StartServerAsync(o => o.DemoEnabled = true);
        await using var visitor = await ConnectAsync();

        var answer = await visitor.InvokeAsync<System.Text.Json.JsonElement>("agserver/demo/login", new { name = "ann" });

        Assert.Equal("ann", answer.GetProperty("name").GetString());
        await AwaitConditionAsync(() => Task.FromResult(server.Users.Local("demo:ann").Count == 1));
        Assert.Empty(server.Users.Local("ann"));
        var socket = server.Users.Local("demo:ann").Single();
        Assert.True(socket.AuthToken!.Value.GetProperty("agserverDemo").GetBoolean());
    }
}
