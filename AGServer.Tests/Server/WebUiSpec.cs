using AGServer.Protocol;
using AGServer.Tests.Support;
using Xunit;

namespace AGServer.Tests.Server;

/// <summary>The dashboard's procedures from the stock client: only after the secret, and then the cluster's figures and actions.</summary>
public sealed class WebUiSpec : IAsyncLifetime
{
    private const string Secret = "web-ui-spec-secret-0123";
    private TestServer _server = null!;
    private JsClients _js = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.Start(options =>
        {
            options.DashboardEnabled = true;
            options.DashboardSecret = Secret;
        });
        _js = await JsClients.Start(_server.Port);
    }

    public async Task DisposeAsync()
    {
        await _js.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task The_dashboard_procedures_need_the_secret_and_then_show_and_act_on_the_cluster()
    {
        await _js.Connect("admin");
        await _js.Connect("user");
        await _js.Call("subscribe", new { client = "user", channel = "watched" });
        await _js.Invoke("user", "login", new { token = new { sub = "ann" } });
        await _js.Call("subscribe", new { client = "user", channel = "hist/present" });

        foreach (var procedure in new[] { "overview", "series", "channel", "search" })
        {
            var beforeLogin = await Assert.ThrowsAsync<JsError>(() => _js.Invoke("admin", $"agserver/admin/{procedure}", new { channel = "watched", text = "ann" }));
            Assert.Equal("AdminLoginError", beforeLogin.Name);
        }
        var refused = await Assert.ThrowsAsync<JsError>(() => _js.Invoke("admin", "agserver/admin/overview"));
        Assert.Equal("AdminLoginError", refused.Name);
        refused = await Assert.ThrowsAsync<JsError>(() => _js.Invoke("admin", "agserver/admin/login", new { secret = "guess" }));
        Assert.Equal("AdminLoginError", refused.Name);
        await _js.Invoke("admin", "agserver/admin/login", new { secret = Secret });

        var overview = (await _js.Invoke("admin", "agserver/admin/overview"))!;
        var node = overview["nodes"]!.AsArray().Single()!;
        Assert.Equal(("Up", 2), (node["status"]!.GetValue<string>(), node["stats"]!["connections"]!.GetValue<int>()));
        Assert.True(node["stats"]!["invokesReceived"]!.GetValue<long>() >= 4, "the overview, two logins and the first overview are RPCs");
        var channels = overview["channels"]!.AsArray();
        Assert.Equal(1, channels.Single(c => c!["channel"]!.GetValue<string>() == "watched")!["subscribers"]!.GetValue<int>());
        Assert.Null(channels.Single(c => c!["channel"]!.GetValue<string>() == "watched")!["users"]);
        Assert.Equal(1, channels.Single(c => c!["channel"]!.GetValue<string>() == "hist/present")!["users"]!.GetValue<int>());

        // The last minutes (sampled when the node started, at least), a channel, a search by user id.
        var series = (await _js.Invoke("admin", "agserver/admin/series"))!["nodes"]!.AsArray().Single()!;
        Assert.NotEmpty(series["samples"]!.AsArray());
        Assert.True(series["samples"]!.AsArray()[0]!["rssBytes"]!.GetValue<long>() > 0);
        var present = (await _js.Invoke("admin", "agserver/admin/channel", new { channel = "hist/present" }))!;
        Assert.Equal(1, present["nodes"]!.AsArray().Single()!["subscribers"]!.GetValue<int>());
        Assert.Equal("ann", present["presence"]!["members"]!.AsArray().Single()!["userId"]!.GetValue<string>());
        Assert.NotNull(present["history"]);
        var found = (await _js.Invoke("admin", "agserver/admin/search", new { text = "ann" }))!["sockets"]!.AsArray();
        Assert.Equal(_server.Server.Users.Local("ann").Single().Id, found.Single()!["socketId"]!.GetValue<string>());
        var blank = await Assert.ThrowsAsync<JsError>(() => _js.Invoke("admin", "agserver/admin/search", new { text = " " }));
        Assert.Equal("InvalidArgumentsError", blank.Name);

        // Another socket's login does not make it an admin.
        refused = await Assert.ThrowsAsync<JsError>(() => _js.Invoke("user", "agserver/admin/overview"));
        Assert.Equal("AdminLoginError", refused.Name);

        await _js.Invoke("admin", "agserver/admin/publish", new { channel = "watched", data = "from the dashboard" });
        Assert.Equal("from the dashboard", (await _js.WaitFor("user", "channel:watched")).Data!.GetValue<string>());
        var userId = _server.Server.Clients.Values.Single(s => s.Subscriptions().Contains("watched")).Id;
        await _js.Invoke("admin", "agserver/admin/disconnect", new { socketId = userId });
        Assert.Equal(4000, (await _js.WaitFor("user", "disconnect"))!.Data!["code"]!.GetValue<int>());
    }

    [Fact]
    public async Task From_the_dashboard_a_users_tokens_are_revoked_and_the_user_blocked()
    {
        await _js.Connect("admin");
        await _js.Connect("ann");
        await _js.Invoke("ann", "login", new { token = new { sub = "ann" } });
        await _js.Connect("bob");
        await _js.Invoke("bob", "login", new { token = new { sub = "bob" } });
        var refused = await Assert.ThrowsAsync<JsError>(() => _js.Invoke("admin", "agserver/admin/revoke", new { userId = "ann" }));
        Assert.Equal("AdminLoginError", refused.Name);
        await _js.Invoke("admin", "agserver/admin/login", new { secret = Secret });

        await _js.Invoke("admin", "agserver/admin/revoke", new { userId = "ann" });
        await _js.WaitFor("ann", "deauthenticate");                        // her socket no longer holds the token
        await _js.Invoke("admin", "agserver/admin/block", new { userId = "bob", minutes = 5 });
        Assert.Equal(CloseCodes.UserBlocked, (await _js.WaitFor("bob", "disconnect"))!.Data!["code"]!.GetValue<int>());
        await _js.Invoke("admin", "agserver/admin/unblock", new { userId = "bob" });
        var empty = await Assert.ThrowsAsync<JsError>(() => _js.Invoke("admin", "agserver/admin/block", new { userId = " " }));
        Assert.Equal("InvalidArgumentsError", empty.Name);
    }

    [Fact]
    public void A_dashboard_without_a_long_enough_secret_is_refused_at_start()
    {
        var options = new AGServer.Server.AGServerOptions { DashboardEnabled = true, DashboardSecret = "short" };
        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(options.Validate);
        Assert.Contains("DashboardSecret must be set to 16 characters or more", error.Message);
    }
}
