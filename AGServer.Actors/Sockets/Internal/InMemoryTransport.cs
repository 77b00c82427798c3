using System.Text;
using System.Threading.Channels;
using Akka.Actor;

namespace AGServer.Sockets.Internal;

/// <summary>
/// A socket's connection with no network, for tests and in-process clients: the caller plays the client, pushing frames
/// in (<see cref="Receive(string)"/>) and reading the frames and the close the socket sent out. Open one with
/// <see cref="ConnectAsync"/>. Frames are strings (the protocol's JSON); nothing bounds what the socket sends. Inbound
/// it keeps the socket's window as the WebSocket transport does: <see cref="Receive(byte[])"/> hands the frame on, then
/// waits while the window is full, as a connection that stopped being read would.
/// </summary>
internal sealed class InMemoryTransport : ISocketTransport
{
    private readonly bool _closesAtOnce;
    private readonly InboundWindow _inbound;

    /// <param name="closesAtOnce">
    /// Whether the connection is gone as soon as the server sent its close; false keeps it until the client hangs up,
    /// as a client that does not answer a close does.
    /// </param>
    /// <param name="inboundWindow">The socket's inbound window (its server's <c>InboundWindow</c>).</param>
    public InMemoryTransport(bool closesAtOnce = true, int inboundWindow = Server.AGServerOptions.DefaultInboundWindow)
    {
        _closesAtOnce = closesAtOnce;
        _inbound = new InboundWindow(inboundWindow);
    }

    /// <summary>Opens a socket on <paramref name="server"/> over a new in-memory connection, its handshake still to do.</summary>
    public static async Task<InMemoryTransport> ConnectAsync(SocketClusterServer server, bool closesAtOnce = true,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(server);
        var transport = new InMemoryTransport(closesAtOnce, server.Options.InboundWindow);
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

    /// <summary>Bytes of frames and items the socket holds in its window now.</summary>
    public long BytesHeld => _inbound.Held;

    /// <summary>True while the window is full: the next frame waits until half of it is released.</summary>
    public bool IsInboundPaused => _inbound.IsPaused;

    void ISocketTransport.ReleaseInbound(int bytes)
    {
        Interlocked.Add(ref _released, Math.Max(bytes, 1));
        _inbound.Release(bytes);
    }

    bool ISocketTransport.ChargeInbound(int bytes) => _inbound.Charge(bytes);

    void ISocketTransport.ReleaseCharge(int bytes)
    {
        Interlocked.Add(ref _released, bytes);
        if (_inbound.ReleaseCharge(bytes)) Attached.Result.Tell(TransportMessages.InboundReopened.Instance);
    }

    /// <summary>The connection is gone: a client waiting for the window goes on (its frames go nowhere).</summary>
    private void Reopen() => _inbound.ConnectionGone();

    void ISocketTransport.Abort()
    {
        Reopen();
        Attached.Result.Tell(new TransportMessages.TransportClosed(1006, null));
    }

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
        Reopen();
        if (_closed.TrySetResult((code, reason)) && _closesAtOnce)
        {
            Attached.Result.Tell(new TransportMessages.TransportClosed(code, reason));
            _over.Cancel();
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>Delivers a frame from the "client".</summary>
    public Task Receive(string frame) => Receive(Encoding.UTF8.GetBytes(frame));

    /// <summary>
    /// Delivers a frame of any bytes (not necessarily UTF-8) from the "client"; completes once the window has room for
    /// the next one.
    /// </summary>
    public async Task Receive(byte[] frame)
    {
        BytesReceived += frame.Length;
        var actor = await Attached;
        var full = _inbound.Hold(frame.Length);
        actor.Tell(new TransportMessages.FrameReceived(frame));
        if (full is not null) await full;
    }

    /// <summary>The client hangs up.</summary>
    public async Task HangUp(int code)
    {
        Reopen();
        (await Attached).Tell(new TransportMessages.TransportClosed(code, null));
    }

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
