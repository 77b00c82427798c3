using System.Text;
using System.Threading.Channels;
using Akka.Actor;
using AGServer.Sockets;
using AGServer.Sockets.Internal;

namespace AGServer.Testing;

/// <summary>A transport with no network: tests push frames in and read the frames and close the socket sent out.</summary>
/// <param name="closesAtOnce">
/// Whether the connection is gone as soon as the server sent its close; false keeps it until the client hangs up, as a
/// client that does not answer a close does.
/// </param>
internal sealed class InMemoryTransport(bool closesAtOnce = true) : ISocketTransport
{
    private readonly Channel<string> _sent = Channel.CreateUnbounded<string>();
    private readonly TaskCompletionSource<IActorRef> _attached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<(int Code, string? Reason)> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public long BytesReceived { get; private set; }

    private long _released;

    /// <summary>Bytes the socket actor has released (finished with) so far.</summary>
    public long BytesReleased => Interlocked.Read(ref _released);

    public void ReleaseInbound(int bytes) => Interlocked.Add(ref _released, Math.Max(bytes, 1));

    public void Abort() => Attached.Result.Tell(new TransportMessages.TransportClosed(1006, null));

    public Task<IActorRef> Attached => _attached.Task;

    /// <summary>The close the server sent (code and reason).</summary>
    public Task<(int Code, string? Reason)> Closed => _closed.Task;

    private readonly CancellationTokenSource _over = new();

    public CancellationToken ConnectionOver => _over.Token;

    public void Attach(IActorRef socketActor, SocketOutbox outbox) => _attached.TrySetResult(socketActor);

    public ValueTask WriteAsync(ReadOnlyMemory<byte> frame)
    {
        _sent.Writer.TryWrite(Encoding.UTF8.GetString(frame.Span));
        return ValueTask.CompletedTask;
    }

    public ValueTask CloseOutputAsync(int code, string? reason)
    {
        if (_closed.TrySetResult((code, reason)) && closesAtOnce)
        {
            Attached.Result.Tell(new TransportMessages.TransportClosed(code, reason));
            _over.Cancel();
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>Delivers a frame from the "client".</summary>
    public Task Receive(string frame) => Receive(Encoding.UTF8.GetBytes(frame));

    /// <summary>Delivers a frame of any bytes (not necessarily UTF-8) from the "client".</summary>
    public async Task Receive(byte[] frame)
    {
        BytesReceived += frame.Length;
        (await Attached).Tell(new TransportMessages.FrameReceived(frame));
    }

    /// <summary>The client hangs up.</summary>
    public async Task HangUp(int code) => (await Attached).Tell(new TransportMessages.TransportClosed(code, null));

    /// <summary>The frames the server sent, in order.</summary>
    public ChannelReader<string> Sent => _sent.Reader;

    /// <summary>The next frame the server sent, skipping pings unless asked for.</summary>
    public async Task<string> NextFrame(TimeSpan? timeout = null, bool skipPings = true)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var frame = await _sent.Reader.ReadAsync(cancel.Token);
            if (skipPings && frame is "" or "#1") continue;
            return frame;
        }
    }
}
