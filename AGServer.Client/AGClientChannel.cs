using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;

namespace AGServer.Client;

/// <summary>A channel's subscription state (socketcluster-client's <c>channel.state</c>).</summary>
public enum AGChannelState
{
    /// <summary>Asked for, not yet confirmed (or waiting for the connection to come back).</summary>
    Pending,

    /// <summary>The server confirmed it: publications arrive.</summary>
    Subscribed,

    /// <summary>Unsubscribed by the client, kicked out by the server, or refused: it takes no more publications.</summary>
    Unsubscribed,
}

/// <summary>A place in a channel's history (AGServer's history channels): the epoch and the offset of a publication.</summary>
public readonly record struct ChannelPosition(string Epoch, long Offset);

/// <summary>
/// A channel the client subscribed to (<see cref="AGClientSocket.Subscribe"/>): its state, and its publications as an
/// <see cref="IAsyncEnumerable{T}"/>. The subscription survives reconnects (the client subscribes again each time);
/// it ends when the client unsubscribes, the server kicks the client out, or the server refuses it. A recovering
/// channel (<see cref="AGClientSocket.SubscribeWithRecovery"/>) sends its <see cref="Position"/> with every subscribe,
/// so AGServer answers with what it missed: no gap and no duplicate across reconnects.
/// </summary>
public sealed class AGClientChannel
{
    private readonly AGClientSocket _socket;
    /// <summary>Publications as their JSON (copied out of the frame): parsed only into what the reader asks for.</summary>
    private readonly Channel<byte[]> _publications;
    private readonly object _positionGate = new();
    private TaskCompletionSource<bool> _subscribed = NewSignal();
    private int _state = (int)AGChannelState.Pending;
    private ChannelPosition? _position;

    internal AGClientChannel(AGClientSocket socket, string name, object? data, bool waitForAuth, int bufferSize, bool recovers = false,
        ChannelPosition? from = null)
    {
        _socket = socket;
        Name = name;
        Data = data;
        WaitForAuth = waitForAuth;
        Recovers = recovers;
        _position = from;
        _publications = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(bufferSize)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>The channel's name.</summary>
    public string Name { get; }

    /// <summary>Data sent with each subscribe (the server's SUBSCRIBE middleware sees it).</summary>
    public object? Data { get; }

    /// <summary>Subscribe only once the socket is authenticated.</summary>
    public bool WaitForAuth { get; }

    /// <summary>Pending, subscribed or unsubscribed.</summary>
    public AGChannelState State => (AGChannelState)Volatile.Read(ref _state);

    /// <summary>The channel recovers what it missed (AGServer history channels): see <see cref="AGClientSocket.SubscribeWithRecovery"/>.</summary>
    public bool Recovers { get; }

    /// <summary>The last publication the reader took (recovering channels), null before the first or after an unrecoverable gap.</summary>
    public ChannelPosition? Position
    {
        get
        {
            lock (_positionGate) return _position;
        }
    }

    /// <summary>
    /// The server could not fill the gap since <see cref="Position"/> (older than the history it keeps, or another
    /// epoch): the reader missed publications and should fetch the state again. Carries the channel's position now;
    /// the channel goes on from the next publication.
    /// </summary>
    public event EventHandler<ChannelPosition>? Unrecoverable;

    /// <summary>What each subscribe sends: the position for a recovering channel (empty before the first publication).</summary>
    internal object? SubscribeData
    {
        get
        {
            if (!Recovers) return Data;
            var position = Position;
            return position is { } p ? new { epoch = p.Epoch, offset = p.Offset } : new { };
        }
    }

    /// <summary>
    /// The server confirmed the subscription (again after each reconnect). Raised on the client's reading thread: a
    /// connected client's first subscribe can be answered before a handler added after <c>Subscribe</c> is there
    /// (<see cref="WhenSubscribedAsync"/> has that outcome; or subscribe before <c>ConnectAsync</c>).
    /// </summary>
    public event EventHandler? Subscribed;

    /// <summary>The server refused the subscription: the channel is unsubscribed. Raised as <see cref="Subscribed"/> is.</summary>
    public event EventHandler<AGClientError>? SubscribeFailed;

    /// <summary>The server kicked the client out of the channel (with its message, if any): the channel is unsubscribed.</summary>
    public event EventHandler<JsonElement?>? KickedOut;

    /// <summary>
    /// The channel's publications, as <typeparamref name="T"/> (System.Text.Json with the client's options), until the
    /// channel is unsubscribed or <paramref name="cancellationToken"/> stops the reading. One reader at a time: a second
    /// would take its own share of the publications.
    /// </summary>
    public async IAsyncEnumerable<T?> ListenAsync<T>([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (await _publications.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            while (_publications.Reader.TryRead(out var publication))
            {
                if (!Recovers)
                {
                    // Straight from the JSON to T: no document in between.
                    yield return publication.Length == 0 ? default : JsonSerializer.Deserialize<T>(publication, _socket.JsonOptions);
                    continue;
                }
                if (!TakeRecovered(InboundPacket.Element(publication), out var data)) continue;
                yield return data.ValueKind == JsonValueKind.Undefined ? default : data.Deserialize<T>(_socket.JsonOptions);
            }
    }

    /// <summary>
    /// A recovering channel's publication (<c>{offset, epoch, data}</c>): false for one the reader already had (a
    /// recovery can repeat what was buffered before the connection was lost) and for an unrecoverable notice.
    /// </summary>
    private bool TakeRecovered(JsonElement publication, out JsonElement data)
    {
        data = publication;
        if (publication.ValueKind != JsonValueKind.Object
            || !publication.TryGetProperty("epoch", out var epochElement) || epochElement.ValueKind != JsonValueKind.String
            || !publication.TryGetProperty("offset", out var offsetElement) || !offsetElement.TryGetInt64(out var offset))
            return true; // not a history publication: taken as it is
        var epoch = epochElement.GetString()!;
        if (publication.TryGetProperty("unrecoverable", out var unrecoverable) && unrecoverable.ValueKind == JsonValueKind.True)
        {
            lock (_positionGate) _position = null; // a fresh start: the next publication is taken whatever it is
            Unrecoverable?.Invoke(this, new ChannelPosition(epoch, offset));
            return false;
        }
        lock (_positionGate)
        {
            if (_position is { } had && had.Epoch == epoch && offset <= had.Offset) return false;
            _position = new ChannelPosition(epoch, offset);
        }
        data = publication.TryGetProperty("data", out var inner) ? inner : default;
        return true;
    }

    /// <summary>Completes once the server confirmed the subscription; fails if it refused it or the channel was unsubscribed first.</summary>
    public Task WhenSubscribedAsync(CancellationToken cancellationToken = default)
    {
        var signal = Volatile.Read(ref _subscribed).Task;
        return cancellationToken.CanBeCanceled ? signal.WaitAsync(cancellationToken) : signal;
    }

    /// <summary>Unsubscribes (the server is told when connected); <see cref="ListenAsync{T}"/> ends once the buffered publications are read.</summary>
    public Task UnsubscribeAsync(CancellationToken cancellationToken = default) => _socket.UnsubscribeAsync(this, cancellationToken);

    /// <summary>Waits while the buffer is full: the connection's reading pauses, so TCP holds the server back.</summary>
    internal ValueTask Deliver(byte[] publication, CancellationToken cancellationToken) =>
        State == AGChannelState.Unsubscribed ? default : _publications.Writer.WriteAsync(publication, cancellationToken);

    internal void OnSubscribed()
    {
        if (Interlocked.CompareExchange(ref _state, (int)AGChannelState.Subscribed, (int)AGChannelState.Pending) != (int)AGChannelState.Pending) return;
        Volatile.Read(ref _subscribed).TrySetResult(true);
        Subscribed?.Invoke(this, EventArgs.Empty);
    }

    /// <summary>The connection was lost: the channel waits for the next one, which subscribes again.</summary>
    internal void OnConnectionLost()
    {
        if (Interlocked.CompareExchange(ref _state, (int)AGChannelState.Pending, (int)AGChannelState.Subscribed) == (int)AGChannelState.Subscribed)
            Volatile.Write(ref _subscribed, NewSignal());
    }

    internal void OnSubscribeFailed(AGClientError error)
    {
        Volatile.Read(ref _subscribed).TrySetException(error); // before End() sets its own BadChannelError: the waiter learns why
        if (!End()) return;
        SubscribeFailed?.Invoke(this, error);
    }

    internal void OnKickedOut(JsonElement? message)
    {
        if (!End()) return;
        KickedOut?.Invoke(this, message);
    }

    /// <summary>Unsubscribed: no more publications; the reader ends after the ones already buffered.</summary>
    internal bool End()
    {
        if (Interlocked.Exchange(ref _state, (int)AGChannelState.Unsubscribed) == (int)AGChannelState.Unsubscribed) return false;
        _publications.Writer.TryComplete();
        Volatile.Read(ref _subscribed).TrySetException(new AGClientError("BadChannelError", $"Channel '{Name}' was unsubscribed"));
        return true;
    }

    private static TaskCompletionSource<bool> NewSignal()
    {
        var signal = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = signal.Task.ContinueWith(t => _ = t.Exception, TaskScheduler.Default); // a refusal nobody awaited is not unobserved
        return signal;
    }
}
