using AGServer.Sockets.Internal;
using System.Text.Json;
using System.Text.Json.Nodes;
using AGServer.Auth;
using AGServer.Protocol;
using AGServer.Sockets;
using AGServer.Tests.Support;
using Xunit;

namespace AGServer.Tests.Auth;

/// <summary>
/// An application's own auth engine reports token errors as <see cref="AGError"/>s named as the built-in ones are; the
/// socket treats them by name exactly as it treats the built-in engine's.
/// </summary>
public sealed class CustomAuthEngineSpec : ServerTestKit
{
    /// <summary>Refuses each token the way its text says.</summary>
    private sealed class NamingEngine : IAuthEngine
    {
        public ValueTask<JsonElement> VerifyTokenAsync(string? signedToken, CancellationToken cancellationToken = default) => signedToken switch
        {
            "invalid" => throw new AGError(AGErrorNames.AuthTokenInvalidError, "not ours"),
            "early" => throw new AGError(AGErrorNames.AuthTokenNotBeforeError, "not yet", new Dictionary<string, object?> { ["date"] = "2030-01-01T00:00:00.000Z" }),
            _ => throw new InvalidOperationException("the key service failed"),
        };

        public ValueTask<string> SignTokenAsync(JsonObject payload, int? expiresIn, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult("signed");
    }

    [Fact]
    public async Task A_token_the_engine_names_invalid_is_a_bad_token_removed_from_the_client()
    {
        var (first, answer) = await Handshake("invalid");
        Assert.Equal("#removeAuthToken", first.GetProperty("event").GetString());
        Assert.Equal(AGErrorNames.AuthTokenInvalidError, answer.GetProperty("authError").GetProperty("name").GetString());
        Assert.Equal("not ours", answer.GetProperty("authError").GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_token_the_engine_names_not_yet_valid_stays_with_the_client_and_keeps_its_properties()
    {
        var (first, answer) = await Handshake("early");
        Assert.Equal(1, first.GetProperty("rid").GetInt64());
        Assert.Equal(AGErrorNames.AuthTokenNotBeforeError, answer.GetProperty("authError").GetProperty("name").GetString());
        Assert.Equal("2030-01-01T00:00:00.000Z", answer.GetProperty("authError").GetProperty("date").GetString());
    }

    [Fact]
    public async Task Any_other_failure_of_the_engine_is_an_AuthTokenError_without_its_internals()
    {
        var (first, answer) = await Handshake("anything");
        Assert.Equal("#removeAuthToken", first.GetProperty("event").GetString());
        Assert.Equal(AGErrorNames.AuthTokenError, answer.GetProperty("authError").GetProperty("name").GetString());
    }

    /// <summary>The first frame the server sends after a handshake with <paramref name="token"/>, and the handshake's answer.</summary>
    private async Task<(JsonElement First, JsonElement Answer)> Handshake(string token)
    {
        var server = await StartServer(o => o.AuthEngine = new NamingEngine());
        var transport = await Open(server);
        await transport.Receive($$"""{"event":"#handshake","data":{"authToken":"{{token}}"},"cid":1}""");
        var first = await Next(transport);
        var answer = first;
        while (!answer.TryGetProperty("rid", out _)) answer = await Next(transport);
        Assert.False(answer.GetProperty("data").GetProperty("isAuthenticated").GetBoolean());
        return (first, answer.GetProperty("data"));
    }

    private static async Task<JsonElement> Next(InMemoryTransport transport) =>
        JsonDocument.Parse(await transport.NextFrame(TimeSpan.FromSeconds(10))).RootElement;
}
