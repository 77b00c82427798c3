using Akka.Streams.Dsl;
using AGServer.Protocol;
using AGServer.Sockets;
using AGServer.Tests.Support;
using Xunit;

namespace AGServer.Tests.Containment;

/// <summary>A client that does not read is disconnected once its outbound queue holds OutboundQueueBytes, however few frames.</summary>
public sealed class OutboundBytesLimitSpec
{
    [Fact]
    public async Task Big_frames_for_a_client_that_does_not_read_are_bounded_in_bytes()
    {
        await using var node = await TestServer.Start(o => o.OutboundQueueBytes = 2 * 1024 * 1024);
        await using var client = await RawSocket.Connect(node.Url);   // never reads again
        var socket = node.Server.Clients[client.Id!];
        var closed = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = socket.Listener(SocketEvents.Close).RunForeach(e => closed.TrySetResult(e.Code), node.Server.Materializer);

        // 64 frames of 1 MiB: far more than the kernel's socket buffers and the 2 MiB queue together, far fewer frames
        // than OutboundQueueLimit (10,000).
        var megabyte = new string('x', 1024 * 1024);
        for (var i = 0; i < 64 && !closed.Task.IsCompleted; i++) socket.Transmit("big", megabyte);

        Assert.Equal(CloseCodes.OutboundQueueOverflow, await closed.Task.WaitAsync(TimeSpan.FromSeconds(30)));
    }
}
