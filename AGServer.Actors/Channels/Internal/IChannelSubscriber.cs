namespace AGServer.Channels.Internal;

/// <summary>A local receiver of channel messages: a socket, or an exchange subscription.</summary>
internal interface IChannelSubscriber
{
    /// <summary>Hands over one published message as its encoded <c>#publish</c> frame. Must not block; called by the node broker.</summary>
    void Deliver(string channel, byte[] frame);
}
