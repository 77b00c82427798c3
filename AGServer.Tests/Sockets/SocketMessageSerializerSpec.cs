using System.Text.Json;
using Akka.Actor;
using AGServer.Sockets;
using AGServer.Sockets.Internal;
using Xunit;

namespace AGServer.Tests.Sockets;

/// <summary>A socket command and an invoke's reply read the same on the node that sent them as on the socket's node.</summary>
public sealed class SocketMessageSerializerSpec : Akka.TestKit.Xunit2.TestKit
{
    private InvokeReply RoundTrip(InvokeReply reply)
    {
        var serializer = new SocketMessageSerializer((ExtendedActorSystem)Sys);
        return (InvokeReply)serializer.FromBinary(serializer.ToBinary(reply), serializer.Manifest(reply));
    }

    [Fact]
    public void A_reply_with_the_clients_answer_crosses_nodes_with_its_data_and_correlation()
    {
        var data = JsonDocument.Parse("""{"ready":true}""").RootElement;
        var reply = RoundTrip(new InvokeReply("s1", "ready?", "c7", data, null));
        Assert.True(reply.Succeeded);
        Assert.Equal(("s1", "ready?", "c7"), (reply.SocketId, reply.Event, reply.CorrelationId));
        Assert.True(reply.Data.GetProperty("ready").GetBoolean());
    }

    [Fact]
    public void A_failed_reply_crosses_nodes_with_its_error_name_and_message()
    {
        var reply = RoundTrip(new InvokeReply("s1", "ready?", null, default, new AGServer.Protocol.AGError("TimeoutError", "no answer")));
        Assert.False(reply.Succeeded);
        Assert.Equal(("TimeoutError", "no answer"), (reply.Error!.Name, reply.Error.Message));
        Assert.Equal(JsonValueKind.Undefined, reply.Data.ValueKind);
    }

    private SocketCommand RoundTrip(SocketCommand command)
    {
        var serializer = new SocketMessageSerializer((ExtendedActorSystem)Sys);
        return (SocketCommand)serializer.FromBinary(serializer.ToBinary(command), serializer.Manifest(command));
    }

    [Fact]
    public void Every_command_crosses_nodes_with_what_it_carries()
    {
        var transmit = RoundTrip(SocketCommand.Transmit("note", "hi"));
        Assert.Equal((SocketCommandKind.Transmit, "note", "hi"), (transmit.Kind, transmit.Event, ((JsonElement)transmit.Data!).GetString()));

        var invoke = RoundTrip(SocketCommand.Invoke("add", 2, TimeSpan.FromSeconds(3), "c1"));
        Assert.Equal((SocketCommandKind.Invoke, "add", 2, 3000, "c1"),
            (invoke.Kind, invoke.Event, ((JsonElement)invoke.Data!).GetInt32(), invoke.AckTimeoutMilliseconds, invoke.CorrelationId));

        var disconnect = RoundTrip(SocketCommand.Disconnect(4321, "done"));
        Assert.Equal((SocketCommandKind.Disconnect, 4321, "done"), (disconnect.Kind, disconnect.Code, disconnect.Reason));

        var kickOut = RoundTrip(SocketCommand.KickOut("news", "bye"));
        Assert.Equal((SocketCommandKind.KickOut, "news", "bye"), (kickOut.Kind, kickOut.Channel, ((JsonElement)kickOut.Data!).GetString()));

        var set = RoundTrip(SocketCommand.SetAuthToken(new Dictionary<string, string> { ["sub"] = "ann" }, 60));
        Assert.Equal((SocketCommandKind.SetAuthToken, "ann", 60), (set.Kind, ((JsonElement)set.Data!).GetProperty("sub").GetString(), set.ExpiresIn));

        Assert.Same(SocketCommand.RemoveAuthToken, RoundTrip(SocketCommand.RemoveAuthToken));
    }

    [Fact]
    public void A_command_with_no_event_or_an_ack_timeout_that_is_not_positive_is_refused_where_it_is_made()
    {
        Assert.Throws<ArgumentException>(() => SocketCommand.Transmit(""));
        Assert.Throws<ArgumentOutOfRangeException>(() => SocketCommand.Invoke("ready?", ackTimeout: TimeSpan.Zero));
        Assert.Throws<ArgumentNullException>(() => SocketCommand.SetAuthToken(null!));
    }
}
