using System.Net.WebSockets;
using System.Text;
using System.Threading.Channels;
using AGServer.Client;
using Xunit;

namespace AGServer.Tests.Client;

/// <summary>The client's one writer per connection: what waits behind a write, and its bound.</summary>
public sealed class ConnectionOutboxSpec
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    /// <summary>A connection whose first write does not finish until <see cref="Release"/>, as a slow network's.</summary>
    private sealed class HeldSocket : WebSocket
    {
        private int _writes;

        public Channel<string> Written { get; } = Channel.CreateUnbounded<string>();

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override ValueTask SendAsync(ReadOnlyMemory<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken)
        {
            Written.Writer.TryWrite(Encoding.UTF8.GetString(buffer.Span));
            return Interlocked.Increment(ref _writes) == 1 ? new ValueTask(Release.Task) : ValueTask.CompletedTask;
        }

        public override Task SendAsync(ArraySegment<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken) =>
            SendAsync(buffer.AsMemory(), messageType, endOfMessage, cancellationToken).AsTask();

        public override WebSocketCloseStatus? CloseStatus => null;
        public override string? CloseStatusDescription => null;
        public override WebSocketState State => WebSocketState.Open;
        public override string? SubProtocol => null;
        public override void Abort() { }
        public override void Dispose() { }
        public override Task CloseAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) => Task.CompletedTask;
        public override Task CloseOutputAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) => Task.CompletedTask;
        public override Task<WebSocketReceiveResult> ReceiveAsync(ArraySegment<byte> buffer, CancellationToken cancellationToken) =>
            throw new NotSupportedException("the outbox only writes");
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public async Task Packets_that_wait_behind_a_write_leave_joined_as_one_batch_frame_and_a_pong_goes_alone_in_its_place()
    {
        var socket = new HeldSocket();
        var outbox = new ConnectionOutbox(socket);

        await outbox.Post(Bytes("""{"event":"a","cid":1}"""), packet: true, "a");
        Assert.Equal("""{"event":"a","cid":1}""", await socket.Written.Reader.ReadAsync().AsTask().WaitAsync(Wait));
        await outbox.Post(Bytes("""{"event":"b","cid":2}"""), packet: true, "b");
        await outbox.Post(Bytes("""{"event":"c","cid":3}"""), packet: true, "c");
        await outbox.Post(ReadOnlyMemory<byte>.Empty, packet: false, "pong");
        await outbox.Post(Bytes("""{"event":"d","cid":4}"""), packet: true, "d");
        socket.Release.SetResult();

        Assert.Equal("""[{"event":"b","cid":2},{"event":"c","cid":3}]""", await socket.Written.Reader.ReadAsync().AsTask().WaitAsync(Wait));
        Assert.Equal("", await socket.Written.Reader.ReadAsync().AsTask().WaitAsync(Wait));
        Assert.Equal("""{"event":"d","cid":4}""", await socket.Written.Reader.ReadAsync().AsTask().WaitAsync(Wait));
    }

    [Fact]
    public async Task Past_its_bound_a_post_waits_until_the_queue_drained()
    {
        var socket = new HeldSocket();
        var outbox = new ConnectionOutbox(socket);
        await outbox.Post(Bytes("""{"event":"first"}"""), packet: true, "first");
        await socket.Written.Reader.ReadAsync().AsTask().WaitAsync(Wait);

        var big = outbox.Post(new byte[ConnectionOutbox.HighWater], packet: false, "big");
        Assert.False(big.IsCompleted, "a post past the bound returned at once");
        socket.Release.SetResult();
        await big.WaitAsync(Wait);
    }
}
