namespace AGServer.Protocol;

/// <summary>WebSocket close codes used by SocketCluster, with the reasons sc-errors gives them.</summary>
public static class CloseCodes
{
    public const int Normal = 1000;
    public const int GoingAway = 1001;
    public const int ProtocolError = 1002;
    public const int NoStatus = 1005;
    public const int HungUp = 1006;
    public const int PolicyViolation = 1008;
    public const int MessageTooBig = 1009;
    public const int ServerFault = 1011;
    public const int ServerPingTimedOut = 4000;
    public const int ClientPongTimedOut = 4001;
    public const int AuthTokenSignFailed = 4002;
    public const int HandshakeFailed = 4003;
    public const int HandshakeTimedOut = 4005;
    public const int BrokerBindFailed = 4006;
    public const int ConnectTimedOut = 4007;
    public const int HandshakeRejected = 4008;
    public const int MessageBeforeHandshake = 4009;

    /// <summary>Not a SocketCluster code: the client stopped reading and its outbound queue hit <c>OutboundQueueLimit</c>.</summary>
    public const int OutboundQueueOverflow = 4100;

    /// <summary>Not a SocketCluster code: the socket's user was blocked (<c>server.Users.BlockAsync</c>).</summary>
    public const int UserBlocked = 4103;

    /// <summary>Not a SocketCluster code: single-session mode, and the socket's user started a session elsewhere.</summary>
    public const int SessionReplaced = 4104;

    /// <summary>Not a SocketCluster code: the user already has <c>MaxSocketsPerUser</c> sockets (policy RefuseNewest).</summary>
    public const int TooManySessions = 4105;

    /// <summary>Not a SocketCluster code: a message could not be read within the node's <c>NodeInboundLimit</c>; try again later.</summary>
    public const int InboundBudgetExceeded = 4101;

    private static readonly Dictionary<int, string> Reasons = new()
    {
        [1000] = "Socket closed normally",
        [1001] = "Socket was disconnected",
        [1002] = "A WebSocket protocol error was encountered",
        [1003] = "Server terminated socket because it received invalid data",
        [1005] = "Socket closed without status code",
        [1006] = "Socket hung up",
        [1007] = "Message format was incorrect",
        [1008] = "Encountered a policy violation",
        [1009] = "Message was too big to process",
        [1010] = "Client ended the connection because the server did not comply with extension requirements",
        [1011] = "Server encountered an unexpected fatal condition",
        [4000] = "Server ping timed out",
        [4001] = "Client pong timed out",
        [4002] = "Server failed to sign auth token",
        [4003] = "Failed to complete handshake",
        [4004] = "Client failed to save auth token",
        [4005] = "Did not receive #handshake from client before timeout",
        [4006] = "Failed to bind socket to message broker",
        [4007] = "Client connection establishment timed out",
        [4008] = "Server rejected handshake from client",
        [4009] = "Server received a message before the client handshake",
        [4100] = "Client did not read its messages fast enough; outbound queue overflowed",
        [4101] = "The server has no room for this message now; try again later",
        [4103] = "The user was blocked",
        [4104] = "Another session of this user started",
        [4105] = "The user has as many sockets as allowed",
    };

    /// <summary>The standard reason for a code, or null when it has none.</summary>
    public static string? ReasonFor(int code) => Reasons.GetValueOrDefault(code);

    /// <summary>Codes that end a socket normally; every other code also emits a <see cref="SocketProtocolError"/>.</summary>
    public static bool IsNormal(int code) => code is Normal or GoingAway;
}
