using System.Text.Json;
using AGServer.Auth;
using AGServer.Protocol;
using AGServer.Sockets;
using AGServer.Streams.Internal;

namespace AGServer.Middleware;

/// <summary>
/// One thing a client (or a publish) wants to do, handed to middleware. Settle it exactly once with
/// <see cref="Allow()"/> (optionally replacing its data) or <see cref="Block"/>; settling twice throws
/// <see cref="InvalidActionError"/>. Thread-safe.
/// </summary>
public sealed class AGAction : IFailable
{
    private readonly TaskCompletionSource<ActionOutcome> _outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _settled;

    internal AGAction(ActionType type, SocketRequest request, AGServerSocket? socket)
    {
        Type = type;
        Request = request;
        Socket = socket;
    }

    /// <summary>One of <see cref="ActionType"/>.</summary>
    public ActionType Type { get; }

    /// <summary>The HTTP upgrade request of the connection.</summary>
    public SocketRequest Request { get; }

    /// <summary>The socket; null for <see cref="ActionType.HandshakeWs"/>, where it does not exist yet.</summary>
    public AGServerSocket? Socket { get; }

    /// <summary>The channel of subscribe, publishIn and publishOut actions.</summary>
    public string? Channel { get; internal init; }

    /// <summary>The procedure of an invoke action.</summary>
    public string? Procedure { get; internal init; }

    /// <summary>The receiver of a transmit action.</summary>
    public string? Receiver { get; internal init; }

    /// <summary>The data: the packet data for transmit and invoke, the message data for publishIn and publishOut, the subscription data for subscribe.</summary>
    public RawJson Data { get; internal init; }

    /// <summary>The raw frame text of a message action.</summary>
    public string? Message { get; internal init; }

    /// <summary>The signed token of authenticate and handshakeSC actions.</summary>
    public string? SignedAuthToken { get; internal init; }

    /// <summary>The verified token payload of authenticate and handshakeSC actions (null when none or refused).</summary>
    public JsonElement? AuthToken { get; internal init; }

    /// <summary>For handshakeSC: why the handshake token was refused, if it was.</summary>
    public Exception? AuthTokenError { get; internal init; }

    /// <summary>Set on inbound actions when the socket's token expired with this packet (the socket was deauthenticated): an <see cref="AGError"/> named <c>AuthTokenExpiredError</c> whose <c>expiry</c> property says when.</summary>
    public AGError? AuthTokenExpiredError { get; internal init; }

    /// <summary>"allowed", "blocked", or null while unsettled.</summary>
    public string? Outcome { get; private set; }

    /// <summary>Completes once settled.</summary>
    internal Task<ActionOutcome> Settled => _outcome.Task;

    /// <summary>
    /// Lets the action through unchanged. A PUBLISH_OUT action then goes out as the frame shared by every subscriber
    /// (socketcluster-server's <c>useCache</c>, which AGServer applies whenever the data is unchanged).
    /// </summary>
    public void Allow() => Settle("allowed", ActionOutcome.Allowed(false, null));

    /// <summary>
    /// Lets the action through with <paramref name="data"/> in place of its data (for a message action, the new frame
    /// text; for PUBLISH_OUT, a frame encoded for this socket).
    /// </summary>
    public void Allow(object? data) => Settle("allowed", ActionOutcome.Allowed(true, data));

    /// <summary>
    /// Stops the action. The client gets <paramref name="error"/>, or a SilentMiddlewareBlockedError when it is null
    /// or marked <see cref="AGError.Silent"/>.
    /// </summary>
    public void Block(Exception? error = null) => Settle("blocked", ActionOutcome.Blocked(error));

    bool IFailable.IsSettled => Volatile.Read(ref _settled) == 1;

    /// <summary>The middleware failed or could not decide: blocks with <paramref name="error"/> unless already settled (fail closed).</summary>
    void IFailable.Fail(Exception error) => TrySettle("blocked", ActionOutcome.Blocked(error));

    /// <summary>Settles unless settled already; false when it was.</summary>
    internal bool TrySettle(string how, ActionOutcome outcome)
    {
        if (Interlocked.Exchange(ref _settled, 1) == 1) return false;
        Outcome = how;
        _outcome.TrySetResult(outcome);
        return true;
    }

    private void Settle(string how, ActionOutcome outcome)
    {
        if (!TrySettle(how, outcome))
            throw new InvalidActionError($"AGAction {Type.ToSocketClusterName()} has already been {Outcome}; cannot be {how}");
    }
}

/// <summary>How an action was settled.</summary>
internal sealed record ActionOutcome(bool IsAllowed, bool Replaced, object? Data, Exception? Error)
{
    /// <summary>Allowed unchanged: the outcome of every action no middleware looked at.</summary>
    public static readonly ActionOutcome Unchanged = new(true, false, null, null);

    public static ActionOutcome Allowed(bool replaced, object? data) => replaced ? new(true, true, data, null) : Unchanged;
    public static ActionOutcome Blocked(Exception? error) => new(false, false, null, error);
}
