using System.Text.Json;
using AGServer.Server;
using AGServer.Sockets;
using AGServer.Tests.Support;
using Xunit;

namespace AGServer.Tests.Server;

/// <summary>One JSON configuration (<see cref="AGServerOptions.JsonSerializerOptions"/>) for everything the server writes.</summary>
public sealed class JsonConfigurationSpec : ServerTestKit
{
    private sealed record Card(string FullName);

    private static void SnakeCase(AGServerOptions options) =>
        options.JsonSerializerOptions = new JsonSerializerOptions(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    [Fact]
    public async Task A_handler_result_a_transmit_an_invoke_and_a_publish_of_the_same_object_are_written_alike()
    {
        var server = await StartServer(SnakeCase);
        server.MapProcedure("card", () => new Card("Ann Lee"));
        var (transport, answer) = await OpenAndHandshake(server);
        var socket = Assert.Single(server.Clients.Values);
        // The protocol's own payloads keep the names clients read.
        Assert.True(answer.GetProperty("data").TryGetProperty("pingTimeout", out _), answer.GetRawText());
        Assert.True(answer.GetProperty("data").TryGetProperty("isAuthenticated", out _), answer.GetRawText());

        await transport.Receive("""{"event":"card","cid":2}""");
        Assert.Contains("\"full_name\":\"Ann Lee\"", await transport.NextFrame());

        socket.Transmit("card", new Card("Bo Ek"));
        Assert.Contains("\"full_name\":\"Bo Ek\"", await transport.NextFrame());

        _ = socket.InvokeAsync("card", new Card("Cy Do"));
        Assert.Contains("\"full_name\":\"Cy Do\"", await transport.NextFrame());

        await transport.Receive("""{"event":"#subscribe","data":{"channel":"cards"},"cid":3}""");
        Assert.Contains("\"rid\":3", await transport.NextFrame());
        await server.Exchange.TransmitPublishAsync("cards", new Card("Di Fa"));
        Assert.Contains("\"full_name\":\"Di Fa\"", await transport.NextFrame());

        await socket.SetAuthTokenAsync(new { sub = "ann" });
        Assert.Contains("\"data\":{\"token\":", await transport.NextFrame());
        await socket.KickOutAsync("cards", new Card("Ed Go"));
        Assert.Contains("\"data\":{\"channel\":\"cards\",\"message\":", await transport.NextFrame());
    }

    [Fact]
    public async Task A_command_to_a_socket_on_another_node_is_written_with_the_same_configuration()
    {
        var one = await StartServer(SnakeCase);
        var two = await StartNodeAsync(SnakeCase);
        var (transport, answer) = await OpenAndHandshake(two);
        var id = answer.GetProperty("data").GetProperty("id").GetString()!;

        one.Sockets.Tell(id, SocketCommand.Transmit("card", new Card("Eve Gu")));
        Assert.Contains("\"full_name\":\"Eve Gu\"", await transport.NextFrame());
    }
}
