using System.Text.Json;
using Akka.Actor;
using AGServer.Sockets;
using AGServer.Sockets.Internal;
using Xunit;

namespace AGServer.Tests.Sockets;

/// <summary>An invoke's reply reads the same on the node that asked as on the socket's node.</summary>
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
}
