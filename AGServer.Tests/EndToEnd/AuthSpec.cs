using AGServer.Sockets;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Akka.Streams.Dsl;
using AGServer.Auth;
using AGServer.Server;
using AGServer.Tests.Support;
using Xunit;

namespace AGServer.Tests.EndToEnd;

/// <summary>A server with a known HS256 key, shared by the auth specs.</summary>
public sealed class AuthServerFixture : IAsyncLifetime
{
    public const string Key = "the-auth-spec-shared-secret";
    public TestServer Server { get; private set; } = null!;
    public JsClients Js { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await TestServer.Start(o =>
        {
            o.AuthKey = Key;
            o.PingInterval = 200;
            o.PingTimeout = 2000;
        });
        Js = await JsClients.Start(Server.Port);
    }

    public async Task DisposeAsync()
    {
        await Js.DisposeAsync();
        await Server.DisposeAsync();
    }
}

/// <summary>Authentication with the real socketcluster-client.</summary>
public sealed class AuthSpec(AuthServerFixture fixture) : IClassFixture<AuthServerFixture>
{
    private JsClients Js => fixture.Js;

    private static long Now => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    private async Task<JsonNode> WhoAmI(string client) => (await Js.Invoke(client, "whoami"))!;

    [Fact]
    public async Task Login_delivers_a_token_the_client_stores_and_resends_after_reconnecting()
    {
        await Js.Connect("login");
        Assert.Equal("unauthenticated", (await WhoAmI("login"))["authState"]!.GetValue<string>());
        Assert.True((await Js.Invoke("login", "login", new { token = new { user = "ann" } }))!["ok"]!.GetValue<bool>());
        await Js.WaitFor("login", "authenticate");
        var state = (await Js.Call("state", new { client = "login" }))!;
        Assert.Equal("authenticated", state["authState"]!.GetValue<string>());
        Assert.Equal("ann", state["authToken"]!["user"]!.GetValue<string>());

        await Js.Call("reconnect", new { client = "login" });
        var connects = await Js.WaitForCount("login", "connect", 2);
        Assert.True(connects[1].Data!["isAuthenticated"]!.GetValue<bool>());
        var who = await WhoAmI("login");
        Assert.Equal("authenticated", who["authState"]!.GetValue<string>());
        Assert.Equal("ann", who["authToken"]!["user"]!.GetValue<string>());
    }

    [Fact]
    public async Task Logout_unauthenticates_the_socket_and_the_client()
    {
        await Js.Connect("logout");
        await Js.Invoke("logout", "login", new { token = new { user = "bob" } });
        await Js.Invoke("logout", "logout");
        await Js.WaitFor("logout", "deauthenticate");
        Assert.Equal("unauthenticated", (await WhoAmI("logout"))["authState"]!.GetValue<string>());
        Assert.Null((await Js.Call("state", new { client = "logout" }))!["authToken"]);
    }

    [Fact]
    public async Task ExpiresIn_sets_the_expiry_and_a_payload_exp_wins_over_it()
    {
        await Js.Connect("expiry");
        await Js.Invoke("expiry", "login", new { token = new { user = "e" }, expiresIn = 300 });
        var token = (await WhoAmI("expiry"))["authToken"]!;
        Assert.Equal(token["iat"]!.GetValue<long>() + 300, token["exp"]!.GetValue<long>());

        var exp = Now + 5000;
        await Js.Invoke("expiry", "login", new { token = new { user = "e", exp }, expiresIn = 300 });
        Assert.Equal(exp, (await WhoAmI("expiry"))["authToken"]!["exp"]!.GetValue<long>());
    }

    [Fact]
    public async Task Authenticate_accepts_a_valid_token_signed_by_jsonwebtoken()
    {
        await Js.Connect("jsToken");
        var token = (await Js.Call("signJwt", new { payload = new { user = "from-js" }, key = AuthServerFixture.Key, options = new { expiresIn = 60 } }))!.GetValue<string>();
        var result = (await Js.Call("authenticate", new { client = "jsToken", token }))!;
        Assert.True(result["isAuthenticated"]!.GetValue<bool>());
        Assert.Null(result["authError"]);
        Assert.Equal("from-js", (await WhoAmI("jsToken"))["authToken"]!["user"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_token_the_server_signs_verifies_with_jsonwebtoken()
    {
        await Js.Connect("ourToken");
        await Js.Invoke("ourToken", "login", new { token = new { user = "ours" } });
        await Js.WaitFor("ourToken", "authenticate");
        var signed = (await Js.Call("state", new { client = "ourToken" }))!["signedAuthToken"]!.GetValue<string>();
        var payload = (await Js.Call("verifyJwt", new { token = signed, key = AuthServerFixture.Key, options = new { algorithms = new[] { "HS256" } } }))!;
        Assert.Equal("ours", payload["user"]!.GetValue<string>());
    }

    [Fact]
    public async Task Authenticate_with_an_invalid_token_fails_and_emits_badSocketAuthToken()
    {
        var server = fixture.Server.Server;
        var bad = server.Listener(ServerEvents.BadSocketAuthToken).RunWith(Sink.First<BadAuthTokenEvent>(), server.Materializer);
        await Js.Connect("invalid");
        var error = await Assert.ThrowsAsync<JsError>(() => Js.Call("authenticate", new { client = "invalid", token = "not.a.token" }));
        Assert.Equal("AuthTokenInvalidError", error.Name);
        Assert.IsType<AuthTokenInvalidError>((await bad.WaitAsync(TimeSpan.FromSeconds(10))).AuthError);
        Assert.Equal("unauthenticated", (await WhoAmI("invalid"))["authState"]!.GetValue<string>());
    }

    [Fact]
    public async Task Authenticate_with_an_expired_token_fails_with_its_expiry()
    {
        await Js.Connect("expired");
        var token = (await Js.Call("signJwt", new { payload = new { user = "old", exp = Now - 10 }, key = AuthServerFixture.Key }))!.GetValue<string>();
        var error = await Assert.ThrowsAsync<JsError>(() => Js.Call("authenticate", new { client = "expired", token }));
        Assert.Equal("AuthTokenExpiredError", error.Name);
        Assert.NotNull(error.Error["expiry"]);
    }

    [Fact]
    public async Task A_bad_token_in_the_handshake_is_a_soft_failure()
    {
        var token = (await Js.Call("signJwt", new { payload = new { user = "x" }, key = "some-other-key" }))!.GetValue<string>();
        await Js.Create("softFail", storedToken: token);
        var connect = await Js.WaitFor("softFail", "connect");
        Assert.False(connect.Data!["isAuthenticated"]!.GetValue<bool>());
        Assert.Equal("AuthTokenInvalidError", connect.Data!["authError"]!["name"]!.GetValue<string>());
        Assert.Equal("unauthenticated", (await WhoAmI("softFail"))["authState"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_token_that_expires_while_connected_deauthenticates_the_socket()
    {
        await Js.Connect("expiring");
        await Js.Invoke("expiring", "login", new { token = new { user = "brief" }, expiresIn = 1 });
        await Js.WaitFor("expiring", "authenticate");
        // The server checks expiry on each pong (every 200 ms here) and tells the client to drop the token.
        await Js.WaitFor("expiring", "deauthenticate", timeout: TimeSpan.FromSeconds(10));
        Assert.Equal("unauthenticated", (await WhoAmI("expiring"))["authState"]!.GetValue<string>());
    }

    [Fact]
    public async Task Login_emits_authentication_events_on_the_server()
    {
        var server = fixture.Server.Server;
        var changed = server.Listener(ServerEvents.AuthenticationStateChange)
            .Where(e => e.NewAuthState == AuthState.Authenticated && e.AuthToken!.Value.GetProperty("user").GetString() == "ev")
            .RunWith(Sink.First<AuthEvent>(), server.Materializer);
        var authenticated = server.Listener(ServerEvents.Authentication)
            .Where(e => e.AuthToken!.Value.TryGetProperty("user", out var user) && user.GetString() == "ev").RunWith(Sink.First<AuthEvent>(), server.Materializer);
        await Js.Connect("events");
        await Js.Invoke("events", "login", new { token = new { user = "ev" } });
        Assert.Equal(AuthState.Unauthenticated, (await changed.WaitAsync(TimeSpan.FromSeconds(10))).OldAuthState);
        Assert.Equal("ev", (await authenticated.WaitAsync(TimeSpan.FromSeconds(10))).AuthToken!.Value.GetProperty("user").GetString());
    }
}

/// <summary>RSA and EC key pairs, end to end.</summary>
public sealed class AuthKeyPairSpec
{
    [Theory]
    [InlineData("rsa")]
    [InlineData("ec")]
    public async Task A_key_pair_server_logs_in_and_the_token_survives_a_reconnect(string kind)
    {
        string privateKey, publicKey;
        if (kind == "rsa")
        {
            using var rsa = RSA.Create(2048);
            (privateKey, publicKey) = (rsa.ExportPkcs8PrivateKeyPem(), rsa.ExportSubjectPublicKeyInfoPem());
        }
        else
        {
            using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            (privateKey, publicKey) = (ec.ExportPkcs8PrivateKeyPem(), ec.ExportSubjectPublicKeyInfoPem());
        }
        await using var server = await TestServer.Start(o =>
        {
            o.AuthPrivateKey = privateKey;
            o.AuthPublicKey = publicKey;
        });
        await using var js = await JsClients.Start(server.Port);
        await js.Connect("pair");
        await js.Invoke("pair", "login", new { token = new { user = kind } });
        await js.WaitFor("pair", "authenticate");
        var signed = (await js.Call("state", new { client = "pair" }))!["signedAuthToken"]!.GetValue<string>();
        Assert.Equal(kind, (await js.Call("verifyJwt", new { token = signed, key = publicKey }))!["user"]!.GetValue<string>());

        await js.Call("reconnect", new { client = "pair" });
        var connects = await js.WaitForCount("pair", "connect", 2);
        Assert.True(connects[1].Data!["isAuthenticated"]!.GetValue<bool>());
    }
}
