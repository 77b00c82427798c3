using AGServer.Sockets.Internal;
using AGServer.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using AGServer.Auth;
using AGServer.Testing;
using AGServer.Tests.Support;
using Xunit;

namespace AGServer.Tests.Auth;

/// <summary>An auth engine that never answers costs one verification or signing, not the socket.</summary>
public sealed class AuthEngineTimeoutSpec : ServerTestKit
{
    /// <summary>A key service that has stopped answering.</summary>
    private sealed class HangingEngine : IAuthEngine
    {
        public ValueTask<JsonElement> VerifyTokenAsync(string? signedToken, CancellationToken cancellationToken = default) =>
            new(new TaskCompletionSource<JsonElement>().Task);

        public ValueTask<string> SignTokenAsync(JsonObject payload, int? expiresIn, CancellationToken cancellationToken = default) =>
            new(new TaskCompletionSource<string>().Task);
    }

    [Fact]
    public async Task A_handshake_whose_token_the_engine_never_verifies_is_answered_unauthenticated_after_the_ack_timeout()
    {
        var server = await StartServer(o =>
        {
            o.AckTimeout = 300;
            o.AuthEngine = new HangingEngine();
        });
        server.MapProcedure("ping", () => "pong");
        var transport = await Open(server);

        await transport.Receive("""{"event":"#handshake","data":{"authToken":"some.signed.token"},"cid":1}""");
        var answer = (await Answer(transport, 1)).GetProperty("data");
        Assert.False(answer.GetProperty("isAuthenticated").GetBoolean());
        Assert.Equal("AuthTokenError", answer.GetProperty("authError").GetProperty("name").GetString());

        await transport.Receive("""{"event":"ping","cid":2}""");
        Assert.Equal("pong", (await Answer(transport, 2)).GetProperty("data").GetString());
    }

    private static async Task<JsonElement> Answer(InMemoryTransport transport, long rid)
    {
        while (true)
        {
            var frame = JsonDocument.Parse(await transport.NextFrame(TimeSpan.FromSeconds(5))).RootElement;
            if (frame.ValueKind == JsonValueKind.Object && frame.TryGetProperty("rid", out var r) && r.GetInt64() == rid) return frame;
        }
    }
}
