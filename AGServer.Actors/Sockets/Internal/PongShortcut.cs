using AGServer.Middleware;
using AGServer.Server.Internal;

namespace AGServer.Sockets.Internal;

/// <summary>
/// Lets a transport take an open socket's pongs itself, with no actor message each: a pong's only effects are "heard"
/// and the auth token's expiry check, and neither needs the actor while the token is valid. Whenever the pong has
/// more to do (a <c>message</c> listener or INBOUND_RAW middleware wants it, the token expired, the socket is not
/// open), it goes to the actor as any frame, so behaviour is the same either way.
/// </summary>
internal sealed class PongShortcut(byte[] pongFrame, AGServerSocket socket, KeepAliveWheel.Member keepAlive)
{
    /// <summary>True when <paramref name="frame"/> was a pong and was taken here; false: hand it to the actor.</summary>
    public bool TryTake(ReadOnlySpan<byte> frame)
    {
        if (!frame.SequenceEqual(pongFrame) || !Applies()) return false;
        keepAlive.Heard();
        Interlocked.Increment(ref socket.InboundReceived);
        Interlocked.Increment(ref socket.InboundProcessed);
        return true;
    }

    private bool Applies()
    {
        try
        {
            return socket.State == SocketState.Open
                   && !socket.IsAuthTokenExpired()
                   && !socket.Listeners.HasConsumers(SocketEvents.Message.Name)
                   && !socket.Server.Middleware.Wants(MiddlewareType.InboundRaw, new ActionInfo(ActionType.Message, null, socket.Request));
        }
        catch (Exception)
        {
            return false; // a middleware filter that throws: the actor runs it, and deals with what it does
        }
    }
}
