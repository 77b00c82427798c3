using System.Text;
using AGServer.Protocol;
using Xunit;

namespace AGServer.Tests.Protocol;

public sealed class JsonCodecSpec
{
    private static (FrameKind Kind, List<InboundPacket> Packets) Decode(string frame)
    {
        var packets = new List<InboundPacket>();
        var kind = JsonCodec.Instance.Decode(Encoding.UTF8.GetBytes(frame), packets);
        return (kind, packets);
    }

    private static string Encode(OutboundPacket packet) => Encoding.UTF8.GetString(JsonCodec.Instance.Encode(packet));

    [Fact]
    public void An_invoke_keeps_its_data_as_the_raw_json_it_arrived_in()
    {
        var (kind, packets) = Decode("""{"event":"echo","data":{"a": [1, 2]},"cid":7}""");
        Assert.Equal(FrameKind.Packets, kind);
        var packet = Assert.Single(packets);
        Assert.Equal("echo", packet.Event);
        Assert.Equal(7, packet.Cid);
        Assert.True(packet.IsInvoke);
        Assert.Equal("""{"a": [1, 2]}""", packet.Data.GetRawText());
    }

    [Theory]
    [InlineData("""{"event":"e","data":"text"}""", "\"text\"")]
    [InlineData("""{"event":"e","data":12.5}""", "12.5")]
    [InlineData("""{"event":"e","data":null}""", "null")]
    [InlineData("""{"event":"e"}""", "")]
    public void Data_of_every_json_kind_is_sliced_exactly(string frame, string data)
    {
        var packet = Assert.Single(Decode(frame).Packets);
        Assert.Equal(data, packet.Data.GetRawText());
        Assert.Null(packet.Cid);
    }

    [Fact]
    public void A_response_has_a_rid_and_an_error_when_it_failed()
    {
        var packet = Assert.Single(Decode("""{"rid":3,"error":{"name":"X","message":"m"}}""").Packets);
        Assert.True(packet.IsResponse);
        Assert.Equal(3, packet.Rid);
        Assert.Equal("""{"name":"X","message":"m"}""", packet.Error.ToString());
    }

    [Fact]
    public void A_json_array_is_a_batch_in_order()
    {
        var (kind, packets) = Decode("""[{"event":"a","cid":1},{"event":"b"},5]""");
        Assert.Equal(FrameKind.Packets, kind);
        Assert.Equal(["a", "b", null], packets.Select(p => p.Event));
        Assert.False(packets[2].IsEvent || packets[2].IsResponse);
    }

    [Theory]
    [InlineData("hello")]
    [InlineData("")]
    [InlineData("#1")]
    [InlineData("{broken")]
    [InlineData("{\"event\":\"a\"} trailing")]
    [InlineData("42")]
    public void Anything_else_is_raw(string frame) => Assert.Equal(FrameKind.Raw, Decode(frame).Kind);

    [Fact]
    public void A_wrongly_typed_event_or_cid_is_not_taken_for_one()
    {
        var packet = Assert.Single(Decode("""{"event":5,"cid":"1"}""").Packets);
        Assert.Null(packet.Event);
        Assert.Null(packet.Cid);
    }

    [Fact]
    public void Packets_are_encoded_as_socketcluster_expects()
    {
        Assert.Equal("""{"event":"e","data":{"x":1}}""", Encode(OutboundPacket.Transmit("e", new { x = 1 })));
        Assert.Equal("""{"event":"e","data":2,"cid":5}""", Encode(OutboundPacket.Invoke("e", 2, 5)));
        Assert.Equal("""{"rid":5}""", Encode(OutboundPacket.Response(5, null)));
        Assert.Equal("""{"rid":5,"data":"ok"}""", Encode(OutboundPacket.Response(5, "ok")));
        Assert.Equal("""{"event":"#publish","data":{"channel":"c","data":[1]}}""", Encode(OutboundPacket.Publish("c", new[] { 1 })));
    }

    [Fact]
    public void Raw_json_is_written_back_byte_for_byte()
    {
        var packet = Assert.Single(Decode("""{"event":"echo","data":{"b" : 1,"a":"é"},"cid":1}""").Packets);
        Assert.Equal("""{"rid":1,"data":{"b" : 1,"a":"é"}}""", Encode(OutboundPacket.Response(1, packet.Data)));
    }

    [Fact]
    public void Errors_are_dehydrated_with_name_message_and_extra_properties()
    {
        var error = new AGError("CustomError", "Custom error", new Dictionary<string, object?> { ["code"] = 4321 });
        Assert.Equal("""{"rid":1,"error":{"name":"CustomError","message":"Custom error","code":4321}}""",
            Encode(OutboundPacket.ErrorResponse(1, error)));
        Assert.Equal("""{"rid":2,"error":{"name":"BadConnectionError","message":"gone","type":"disconnect"}}""",
            Encode(OutboundPacket.ErrorResponse(2, new BadConnectionError("gone", "disconnect"))));
        Assert.Equal("""{"rid":3,"error":{"name":"InvalidOperationException","message":"plain"}}""",
            Encode(OutboundPacket.ErrorResponse(3, new InvalidOperationException("plain"))));
    }

    [Fact]
    public void Binaries_are_written_as_base64_objects_and_read_back()
    {
        var frame = Encode(OutboundPacket.Transmit("bin", new { file = new byte[] { 1, 2, 3 } }));
        Assert.Equal("""{"event":"bin","data":{"file":{"base64":true,"data":"AQID"}}}""", frame);
        var packet = Assert.Single(Decode(frame).Packets);
        Assert.True(AGJson.TryGetBinary(packet.Data.ToElement().GetProperty("file"), out var bytes));
        Assert.Equal([1, 2, 3], bytes);
    }

    [Fact]
    public void Frames_join_into_one_batch_frame_in_order()
    {
        var batch = JsonCodec.Instance.EncodeBatch([JsonCodec.Instance.Encode(OutboundPacket.Transmit("a", 1)), JsonCodec.Instance.Encode(OutboundPacket.Transmit("b", 2))]);
        Assert.Equal("""[{"event":"a","data":1},{"event":"b","data":2}]""", Encoding.UTF8.GetString(batch));
    }
}
