using System.Text;
using System.Threading.Channels;
using Akka.Actor;
using AGServer.Sockets.Internal;

namespace AGServer.Sockets.Internal;

/// <summary>
/// A socket's connection with no network, for tests and in-process clients: the caller plays the client, pushing frames
/// in (<see cref="Receive(string)"/>) and reading the frames and the close the socket sent out. Open one with
/// <see cref="ConnectAsync"/>. Frames are strings (the protocol's JSON); nothing bounds what the socket sends.
/// </summary>
internal sealed class InMemoryTransport : ISocketTransport
{
    private readonly bool _closesAtOnce;

    /// <param name="closesAtOnce">
    /// Whether the connection is gone as soon as the server sent its close; false keeps it until the client hangs up,
    /// as a client that does not answer a close does.
    /// </param>
    public InMemoryTransport(bool closesAtOnce = true) => _closesAtOnce = closesAtOnce;

    /// <summary>Opens a socket on <paramref name="server"/> over a new in-memory connection, its handshake still to do.</summary>
    public static async Task<InMemoryTransport> ConnectAsync(SocketClusterServer server, bool closesAtOnce = true,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(server);
        var transport = new InMemoryTransport(closesAtOnce);
        server.Accept(transport, SocketRequest.Empty);
        await transport.Attached.WaitAsync(cancellationToken);
        return transport;
    }

    private readonly Channel<string> _sent = Channel.CreateUnbounded<string>();
    private readonly TaskCompletionSource<IActorRef> _attached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<(int Code, string? Reason)> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Bytes of the frames the client pushed in.</summary>
    public long BytesReceived { get; private set; }

    private long _released;

    /// <summary>Bytes the socket actor has released (finished with) so far.</summary>
    public long BytesReleased => Interlocked.Read(ref _released);

    void ISocketTransport.ReleaseInbound(int bytes) => Interlocked.Add(ref _released, Math.Max(bytes, 1));

    void ISocketTransport.Abort() => Attached.Result.Tell(new TransportMessages.TransportClosed(1006, null));

    /// <summary>The socket's actor, once the server attached one to this connection.</summary>
    public Task<IActorRef> Attached => _attached.Task;

    /// <summary>The close the server sent (code and reason).</summary>
    public Task<(int Code, string? Reason)> Closed => _closed.Task;

    private readonly CancellationTokenSource _over = new();

    /// <summary>Cancelled once the connection is gone.</summary>
    public CancellationToken ConnectionOver => _over.Token;

    void ISocketTransport.Attach(IActorRef socketActor, SocketOutbox outbox) => _attached.TrySetResult(socketActor);

    ValueTask ISocketTransport.WriteAsync(ReadOnlyMemory<byte> frame)
    {
        _sent.Writer.TryWrite(Encoding.UTF8.GetString(frame.Span));
        return ValueTask.CompletedTask;
    }

    ValueTask ISocketTransport.CloseOutputAsync(int code, string? reason)
    {
        if (_closed.TrySetResult((code, reason)) && _closesAtOnce)
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
