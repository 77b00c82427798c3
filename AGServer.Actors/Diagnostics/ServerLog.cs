using AGServer.Middleware;
using Microsoft.Extensions.Logging;

namespace AGServer.Diagnostics;

/// <summary>Every event AGServer logs, with its id and level (the table is in docs/LOGGING.md).</summary>
internal static partial class ServerLog
{
    // 1xxx: application code (procedures, receivers, listeners, middleware) that failed and was contained.

    [LoggerMessage(1001, LogLevel.Error, "Application code consuming stream '{Stream}' threw; the item it was handling was settled with an error and the consumer goes on")]
    public static partial void ConsumerThrew(ILogger logger, string stream, Exception error);

    [LoggerMessage(1002, LogLevel.Error, "A consumer of stream '{Stream}' ended by failure; what it held or had queued was settled with an error")]
    public static partial void ConsumerDied(ILogger logger, string stream, Exception error);

    [LoggerMessage(1003, LogLevel.Warning, "The {MiddlewareType} middleware could not decide on a {ActionType} action of socket {SocketId} ({Why}); the action was blocked")]
    public static partial void MiddlewareFailedClosed(ILogger logger, MiddlewareType middlewareType, ActionType actionType, string? socketId, string why);

    [LoggerMessage(1004, LogLevel.Error, "Handler of procedure '{Procedure}' failed for socket {SocketId}; the request was answered with an error")]
    public static partial void ProcedureHandlerFailed(ILogger logger, string procedure, string socketId, Exception error);

    [LoggerMessage(1005, LogLevel.Error, "Handler of receiver '{Receiver}' failed for socket {SocketId}")]
    public static partial void ReceiverHandlerFailed(ILogger logger, string receiver, string socketId, Exception error);

    [LoggerMessage(1014, LogLevel.Debug, "Handler of '{Name}' stopped: socket {SocketId} closed")]
    public static partial void HandlerStoppedByClose(ILogger logger, string name, string socketId);

    [LoggerMessage(1006, LogLevel.Warning, "Stream '{Stream}' has no consumer any more (its last one failed); request {Cid} of socket {SocketId} was answered with an error")]
    public static partial void NoLiveConsumer(ILogger logger, string stream, long cid, string socketId);

    [LoggerMessage(1007, LogLevel.Error, "An event observer threw on a '{Event}' event; the event went on to the others")]
    public static partial void ObserverThrew(ILogger logger, string @event, Exception error);

    [LoggerMessage(1008, LogLevel.Warning, "A consumer of stream '{Stream}' has {Limit} items waiting; new items are refused (requests answered with BufferOverflowError) until it catches up")]
    public static partial void StreamOverflow(ILogger logger, string stream, int limit);

    [LoggerMessage(1009, LogLevel.Debug, "Data for '{Name}' from socket {SocketId} did not fit its handler ({Why}); a request is answered with InvalidArgumentsError")]
    public static partial void DataDidNotBind(ILogger logger, string name, string socketId, string why);

    [LoggerMessage(1010, LogLevel.Error, "The {MiddlewareType} middleware delegate failed on a {ActionType} action of socket {SocketId}; the action was blocked")]
    public static partial void MiddlewareHandlerFailed(ILogger logger, MiddlewareType middlewareType, ActionType actionType, string? socketId, Exception error);

    [LoggerMessage(1011, LogLevel.Warning, "An actor serving '{Procedure}' answered with a failure whose exception could not be carried across nodes (derive it from AGError, or give it a (SerializationInfo, StreamingContext) constructor); the request was answered with ServerError")]
    public static partial void RoutedFailureLost(ILogger logger, string procedure);

    [LoggerMessage(1012, LogLevel.Debug, "Procedure '{Procedure}' answered socket {SocketId} with {ErrorName}: {ErrorMessage}")]
    public static partial void ProcedureAnsweredWithError(ILogger logger, string procedure, string socketId, string errorName, string errorMessage);

    [LoggerMessage(1013, LogLevel.Debug, "Receiver '{Receiver}' refused a message of socket {SocketId} with {ErrorName}: {ErrorMessage}")]
    public static partial void ReceiverRefused(ILogger logger, string receiver, string socketId, string errorName, string errorMessage);

    // 2xxx: sockets and connections.

    [LoggerMessage(2001, LogLevel.Error, "Socket actor of {SocketId} failed; its connection is closed with 1011 and no other socket is affected")]
    public static partial void SocketActorFailed(ILogger logger, string socketId, Exception error);

    [LoggerMessage(2002, LogLevel.Debug, "Connection from {Peer} ended without a close handshake ({Reason})")]
    public static partial void ConnectionDropped(ILogger logger, string peer, string reason, Exception? error);

    [LoggerMessage(2007, LogLevel.Debug, "Connection from {Peer} sent part of a request head and not the rest within {TimeoutMs} ms; closed")]
    public static partial void RequestHeadTimedOut(ILogger logger, string peer, double timeoutMs);

    [LoggerMessage(2004, LogLevel.Warning, "Socket {SocketId} dropped {Count} packet(s) for '{Name}' that no procedure or receiver took within {HoldMs} ms")]
    public static partial void UnclaimedPacketsDropped(ILogger logger, string socketId, int count, string name, int holdMs);

    [LoggerMessage(2008, LogLevel.Debug, "Socket {SocketId} invoked '{Procedure}', which nothing on this node serves; answered with UnknownProcedureError")]
    public static partial void UnknownProcedure(ILogger logger, string procedure, string socketId);

    [LoggerMessage(2010, LogLevel.Warning, "A user's budget for rate limit {Limit} did not answer ({Reason}); the user's actions under it are refused for a period")]
    public static partial void UserBudgetUnanswered(ILogger logger, string limit, string reason);

    [LoggerMessage(2009, LogLevel.Information, "Socket {SocketId} went over rate limit {Limit} (dry run: {DryRun}); logged once per run of refused actions")]
    public static partial void RateLimited(ILogger logger, string socketId, string limit, bool dryRun);

    [LoggerMessage(2005, LogLevel.Warning, "Socket {SocketId} holds {Limit} packets no procedure or receiver has taken yet; the oldest, for '{Name}', was dropped")]
    public static partial void UnclaimedPacketsOverflow(ILogger logger, string socketId, int limit, string name);

    [LoggerMessage(2006, LogLevel.Debug, "The node went quiet after a load: unused memory was returned to the OS (working set {BeforeMb} MB -> {AfterMb} MB)")]
    public static partial void MemoryTrimmed(ILogger logger, long beforeMb, long afterMb);

    // 3xxx: channels and the cluster.

    [LoggerMessage(3001, LogLevel.Error, "The node broker failed handling {Message}; it keeps its state and goes on")]
    public static partial void BrokerFailed(ILogger logger, string message, Exception error);

    [LoggerMessage(3002, LogLevel.Warning, "Subscribe of socket {SocketId} to '{Channel}' was not confirmed within {TimeoutMs} ms; it failed with an error")]
    public static partial void SubscribeTimedOut(ILogger logger, string socketId, string channel, int timeoutMs);

    [LoggerMessage(3003, LogLevel.Information, "Cluster member {Address} is {Status}")]
    public static partial void MemberChanged(ILogger logger, string address, string status);

    [LoggerMessage(3004, LogLevel.Warning, "Cluster member {Address} is unreachable")]
    public static partial void MemberUnreachable(ILogger logger, string address);

    [LoggerMessage(3005, LogLevel.Information, "Cluster member {Address} is reachable again")]
    public static partial void MemberReachable(ILogger logger, string address);

    [LoggerMessage(3006, LogLevel.Warning, "Registration of this node for channel '{Channel}' was not confirmed; retrying")]
    public static partial void RegistrationRetry(ILogger logger, string channel);

    [LoggerMessage(3007, LogLevel.Information, "AGServer node {Address} is up")]
    public static partial void NodeUp(ILogger logger, string address);

    [LoggerMessage(3008, LogLevel.Warning, "Closing the node's sockets did not finish cleanly")]
    public static partial void CloseSocketsFailed(ILogger logger, Exception error);

    [LoggerMessage(3009, LogLevel.Warning, "Node broker {Broker} did not confirm the routes of channel '{Channel}' within {TimeoutMs} ms; its routes were revoked (it asks again on its next publish)")]
    public static partial void RouteHolderDropped(ILogger logger, string broker, string channel, long timeoutMs);

    [LoggerMessage(3010, LogLevel.Warning, "{Count} publish(es) were refused in the last second: {Limit} publishes already wait for the routes of their channels (their entities are not reachable yet)")]
    public static partial void PublishesRefused(ILogger logger, int count, int limit);

    [LoggerMessage(3011, LogLevel.Warning, "Routes of channel '{Channel}' were not answered; asking again")]
    public static partial void RouteRequestRetry(ILogger logger, string channel);

    [LoggerMessage(3012, LogLevel.Information, "Discovery found a cluster; joining it through {Members}")]
    public static partial void BootstrapJoining(ILogger logger, string members);

    [LoggerMessage(3013, LogLevel.Information, "Discovery found {Count} nodes and no cluster; this node has the lowest address and forms the cluster")]
    public static partial void BootstrapForming(ILogger logger, int count);

    [LoggerMessage(3014, LogLevel.Warning, "A discovery round failed ({Reason}); trying again")]
    public static partial void BootstrapRoundFailed(ILogger logger, string reason);

    [LoggerMessage(3015, LogLevel.Critical, "Cluster bootstrap through the '{Method}' discovery method cannot run; this node stays out of the cluster and not ready")]
    public static partial void BootstrapFailed(ILogger logger, string method, Exception error);

    [LoggerMessage(3016, LogLevel.Warning, "A publish on channel '{Channel}' was not confirmed by its entity; sending it again")]
    public static partial void SequenceRetry(ILogger logger, string channel);

    [LoggerMessage(3017, LogLevel.Error, "A publish on channel '{Channel}' was not confirmed by its entity within {Milliseconds} ms; its publisher gets an error")]
    public static partial void SequenceTimedOut(ILogger logger, string channel, long milliseconds);

    [LoggerMessage(3018, LogLevel.Warning, "The history replica of channel '{Channel}' did not confirm within {Milliseconds} ms; choosing {Next}")]
    public static partial void ReplicaLate(ILogger logger, string channel, long milliseconds, string next);

    [LoggerMessage(3019, LogLevel.Information, "Channel '{Channel}' continues its history from a copy kept on {Node}: epoch {Epoch}, offset {Offset}")]
    public static partial void HistoryContinued(ILogger logger, string channel, string node, string epoch, long offset);

    [LoggerMessage(3021, LogLevel.Warning, "Channel '{Channel}' found a late copy of its history on {Node} (epoch {Epoch}, offset {LateOffset}) after it had numbered publications past offset {ContinuedAt}: it starts a new epoch {NewEpoch}, and its subscribers refetch")]
    public static partial void HistoryForked(ILogger logger, string channel, string node, string epoch, long lateOffset, long continuedAt, string newEpoch);

    [LoggerMessage(3024, LogLevel.Information, "Socket {SocketId}: channel '{Channel}' did not answer its recovery within {Milliseconds} ms; asking again (ask {Ask})")]
    public static partial void RecoveryAskedAgain(ILogger logger, string socketId, string channel, int milliseconds, int ask);

    [LoggerMessage(3025, LogLevel.Information, "Socket {SocketId}: the recovery of channel '{Channel}' from epoch {Epoch}, offset {Offset} ends in a gap (the client gets an unrecoverable notice): {Reason}")]
    public static partial void RecoveryGap(ILogger logger, string socketId, string channel, string epoch, long offset, string reason);

    [LoggerMessage(3026, LogLevel.Warning, "Socket {SocketId}: channel '{Channel}' answered none of {Asks} recovery asks, {Milliseconds} ms apart; the client gets an unrecoverable notice from epoch {Epoch}, offset {Offset}")]
    public static partial void RecoveryUnanswered(ILogger logger, string socketId, string channel, int asks, int milliseconds, string epoch, long offset);

    [LoggerMessage(3022, LogLevel.Information, "Restarted first seed: {Reached} of the {Remembered} other nodes it remembers answer, {InCluster} of them in a cluster; it forms a cluster only when a majority answer and none is in one")]
    public static partial void FirstSeedWaiting(ILogger logger, int reached, int remembered, int inCluster);

    [LoggerMessage(3023, LogLevel.Warning, "Restarted first seed: {Reached} of the {Remembered} other nodes it remembers answer and none is in a cluster; it forms the cluster")]
    public static partial void FirstSeedForming(ILogger logger, int reached, int remembered);

    [LoggerMessage(3020, LogLevel.Error, "The history journal of channel '{Channel}' failed; the channel's entity stops and starts again with its next message")]
    public static partial void HistoryJournalFailed(ILogger logger, string channel);
}
