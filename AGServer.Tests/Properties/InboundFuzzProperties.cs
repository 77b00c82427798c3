using System.Text;
using System.Text.Json;
using AGServer.Protocol;
using AGServer.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace AGServer.Tests.Properties;

/// <summary>
/// Property-based checks over arbitrary inbound frames: the codec never throws, and a socket fed any sequence of
/// frames never fails its actor (no 1011), either closes with a protocol code or keeps answering, and never disturbs
/// another socket.
/// </summary>
public sealed class InboundFuzzProperties : ServerTestKit
{
    private static readonly string[] Events =
        ["#handshake", "#subscribe", "#unsubscribe", "#publish", "#authenticate", "#removeAuthToken", "echo", "nobody", "", "#", "\\uD800", "\\u12", "#subscribe\\u0000"];

    private static Gen<string> JsonString =>
        Gen.Elements("\"\"", "\"a\"", "\"news\"", "\"private/x\"", "\"\\uD800\"", "\"\\uDFFF\\uD800\"", "\"\\u00e9\\n\"", "\"\\u12\"", "\"" + new string('x', 300) + "\"");

    private static Gen<string> JsonScalar =>
        Gen.OneOf(JsonString, Gen.Elements("0", "-1", "1e400", "3.5", "true", "false", "null", "9223372036854775808", "{}", "[]"));

    private static Gen<string> JsonValue =>
        Gen.OneOf(
            JsonScalar,
            JsonScalar.ArrayOf().Select(items => "[" + string.Join(",", items.Take(4)) + "]"),
            Gen.Zip(Gen.Elements("channel", "data", "waitForAuth", "x"), JsonScalar).ArrayOf()
                .Select(fields => "{" + string.Join(",", fields.Take(4).Select(f => $"\"{f.Item1}\":{f.Item2}")) + "}"));

    private static Gen<string> Packet =>
        from name in Gen.Elements(Events)
        from data in JsonValue
        from cid in Gen.Elements("", ",\"cid\":1", ",\"cid\":7", ",\"cid\":-3", ",\"cid\":\"x\"", ",\"cid\":1.5")
        select $"{{\"event\":\"{name}\",\"data\":{data}{cid}}}";

    /// <summary>Channel packets with a channel field of any shape: the paths that read names out of data.</summary>
    private static Gen<string> ChannelPacket =>
        from name in Gen.Elements("#subscribe", "#publish", "#unsubscribe")
        from channel in JsonScalar
        from cid in Gen.Choose(1, 1000)
        select name == "#unsubscribe"
            ? $"{{\"event\":\"{name}\",\"data\":{channel},\"cid\":{cid}}}"
            : $"{{\"event\":\"{name}\",\"data\":{{\"channel\":{channel},\"data\":1}},\"cid\":{cid}}}";

    private static Gen<byte[]> Frame =>
        Gen.OneOf(
            Packet.Select(Encoding.UTF8.GetBytes),
            ChannelPacket.Select(Encoding.UTF8.GetBytes),
            Packet.ArrayOf().Select(ps => Encoding.UTF8.GetBytes("[" + string.Join(",", ps.Take(3)) + "]")),
            JsonValue.Select(v => Encoding.UTF8.GetBytes($"{{\"rid\":{v},\"data\":1}}")),
            Packet.Select(p => Encoding.UTF8.GetBytes(p[..(p.Length / 2)])),
            Gen.Elements("#1", "#2", "", "{", "[[[[", "{\"event\":}", "null").Select(Encoding.UTF8.GetBytes),
            Gen.Choose(0, 255).Select(b => (byte)b).ArrayOf().Select(bytes => bytes.Take(64).ToArray()));

    [Fact]
    public void The_codec_never_throws_whatever_the_frame()
    {
        Prop.ForAll(Frame.ToArbitrary(), frame =>
        {
            var packets = new List<InboundPacket>();
            var kind = JsonCodec.Instance.Decode(frame, packets);
            return kind == FrameKind.Raw ? packets.Count == 0 : kind == FrameKind.Packets;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(2000));
    }

    [Fact]
    public async Task Any_sequence_of_frames_leaves_the_socket_answering_or_closed_with_a_protocol_code_and_disturbs_no_other_socket()
    {
        var server = await StartServer(o => o.AckTimeout = 2000);
        server.MapProcedure("echo", (RawJson data) => data);
        var (bystander, _) = await OpenAndHandshake(server);
        var round = 0;

        Prop.ForAll(Frame.ArrayOf().ToArbitrary(), frames =>
        {
            var outcome = Feed(server, frames.Take(12).ToArray()).GetAwaiter().GetResult();
            if (outcome != "ok") throw new Xunit.Sdk.XunitException(outcome);
            return true;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(150));

        // The other socket never noticed.
        await bystander.Receive($$"""{"event":"echo","data":"still here","cid":{{++round}}}""");
        Assert.Contains("still here", await bystander.NextFrame(TimeSpan.FromSeconds(5)));
        Assert.False(bystander.Closed.IsCompleted);
    }

    /// <summary>"ok" when the socket answered a final echo or closed with a code other than 1011; otherwise what went wrong.</summary>
    private static async Task<string> Feed(SocketClusterServer server, byte[][] frames)
    {
        var (transport, _) = await OpenAndHandshake(server);
        foreach (var frame in frames) await transport.Receive(frame);
        await transport.Receive("""{"event":"echo","data":"end","cid":999999}""");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            var next = transport.NextFrame(TimeSpan.FromSeconds(10));
            var first = await Task.WhenAny(next, transport.Closed);
            if (first == transport.Closed)
            {
                var code = transport.Closed.Result.Code;
                return code == CloseCodes.ServerFault ? $"closed with 1011 after {Show(frames)}" : "ok";
            }
            string frame;
            try
            {
                frame = await next;
            }
            catch (OperationCanceledException)
            {
                break;
            }
            if (IsAnswerTo(frame, 999999))
            {
                await transport.HangUp(CloseCodes.Normal);
                return "ok";
            }
        }
        return $"no answer after {Show(frames)}";
    }

    private static bool IsAnswerTo(string frame, long rid)
    {
        try
        {
            using var document = JsonDocument.Parse(frame);
            var root = document.RootElement;
            var packets = root.ValueKind == JsonValueKind.Array ? root.EnumerateArray().ToArray() : [root];
            return packets.Any(p => p.ValueKind == JsonValueKind.Object && p.TryGetProperty("rid", out var r) && r.ValueKind == JsonValueKind.Number && r.GetInt64() == rid);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string Show(byte[][] frames) => string.Join(" | ", frames.Select(f => Encoding.UTF8.GetString(f)));
}
