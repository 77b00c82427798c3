using System.Text;
using AGServer.Protocol;
using AGServer.Tests.Support;
using Xunit;

namespace AGServer.Tests.Sockets;

public sealed class SocketSupervisionSpec : ServerTestKit
{
    /// <summary>A codec that fails on frames containing "boom", to make one socket actor throw.</summary>
    private sealed class ExplodingCodec : ISocketCodec
    {
        public FrameKind Decode(ReadOnlyMemory<byte> frame, List<InboundPacket> packets)
        {
            if (Encoding.UTF8.GetString(frame.Span).Contains("boom")) throw new InvalidOperationException("codec exploded");
            return JsonCodec.Instance.Decode(frame, packets);
        }

        public byte[] Encode(in OutboundPacket packet) => JsonCodec.Instance.Encode(packet);

        public byte[] EncodeBatch(IReadOnlyList<ReadOnlyMemory<byte>> frames) => JsonCodec.Instance.EncodeBatch(frames);
    }

    [Fact]
    public async Task A_socket_actor_that_fails_closes_its_connection_with_1011_and_nothing_else()
    {
        var server = await StartServer(o => o.Codec = new ExplodingCodec());
        var (victim, _) = await OpenAndHandshake(server);
        var (bystander, _) = await OpenAndHandshake(server);
        await AwaitAssertAsync(() => Assert.Equal(2, server.ClientsCount));

        await victim.Receive("boom");
        var (code, _) = await victim.Closed.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(CloseCodes.ServerFault, code);

        await AwaitAssertAsync(() => Assert.Equal(1, server.ClientsCount));
        Assert.False(bystander.Closed.IsCompleted);
        var socket = Assert.Single(server.Clients.Values);
        var reply = socket.InvokeAsync("still-alive");
        Assert.Contains("still-alive", await bystander.NextFrame());
    }
}
