namespace AGServer.Channels.Internal;

/// <summary>A local receiver of channel messages: a socket, or an exchange subscription.</summary>
internal interface IChannelSubscriber
{
    /// <summary>Hands over one published message as its encoded <c>#publish</c> frame. Must not block; called by the node broker.</summary>
    void Deliver(string channel, byte[] frame);

    /// <summary>Who this subscriber is in a channel's presence (a socket and its user); null for one that is not a member (an exchange subscription).</summary>
    PresenceIdentity? Presence => null;
}

/// <summary>A presence member as a broker reports it: the socket and, when authenticated, its user.</summary>
internal readonly record struct PresenceIdentity(string SocketId, string? UserId);
