using Akka.Streams.Dsl;
using AGServer.Middleware;
using AGServer.Protocol;

namespace AGServer.Conformance;

/// <summary>
/// The middleware rules of CONFORMANCE.md. Each is set with a filter naming the actions it decides on, so every
/// other action is allowed at once and sockets that never hit a rule open no middleware stream.
/// </summary>
public static class ConformanceMiddleware
{
    public static void Install(SocketClusterServer server)
    {
        var materializer = server.Materializer;

        server.SetMiddleware(MiddlewareType.Handshake, actions => actions.RunForeach(action =>
        {
            var reject = action.Request.Query.GetValueOrDefault("reject");
            if (action.Type == ActionType.HandshakeWs && reject == "ws")
                action.Block(new AGError("HandshakeRejectedError", "The WebSocket handshake was rejected"));
            else if (action.Type == ActionType.HandshakeSc && reject == "sc")
                action.Block(new AGError("HandshakeRejectedError", "The handshake was rejected",
                    new Dictionary<string, object?> { ["statusCode"] = 4501 }));
            else if (action.Type == ActionType.HandshakeSc && reject == "sc-default")
                action.Block(new AGError("HandshakeRejectedError", "The handshake was rejected"));
            else
                action.Allow();
        }, materializer), static (ActionInfo a) => a.Request.Query.ContainsKey("reject"));

        server.SetMiddleware(MiddlewareType.Inbound, actions => actions.RunForeach(action =>
        {
            if (PlainApplicationCode.DecideFragileSubscribe(action)) return;
            switch (action.Type)
            {
                case ActionType.Subscribe when action.Channel!.StartsWith("private/", StringComparison.Ordinal) && action.Socket!.AuthState != Auth.AuthState.Authenticated:
                    action.Block(new AGError("PrivateChannelError", $"Channel {action.Channel} requires authentication"));
                    break;
                case ActionType.PublishIn when action.Channel!.StartsWith("readonly/", StringComparison.Ordinal):
                    action.Block(new AGError("ReadOnlyChannelError", $"Channel {action.Channel} is read-only"));
                    break;
                case ActionType.PublishIn when action.Channel!.StartsWith("transform/", StringComparison.Ordinal):
                    action.Allow(new { original = action.Data, transformed = true });
                    break;
                case ActionType.Invoke when action.Procedure == "forbidden":
                    action.Block(new AGError("ForbiddenError", "The forbidden procedure is forbidden"));
                    break;
                case ActionType.Transmit when action.Receiver == "forbiddenTransmit":
                    action.Block(new AGError("ForbiddenError", "The forbiddenTransmit receiver is forbidden"));
                    break;
                case ActionType.Authenticate when action.AuthToken is { } token
                                                  && token.TryGetProperty("banned", out var banned) && banned.ValueKind == System.Text.Json.JsonValueKind.True:
                    action.Block(new AGError("BannedError", "This user is banned"));
                    break;
                default:
                    action.Allow();
                    break;
            }
        }, materializer), static (ActionInfo a) => a.Type switch
        {
            ActionType.Subscribe => a.Name!.StartsWith("private/", StringComparison.Ordinal) || PlainApplicationCode.IsFragileChannel(a.Name),
            ActionType.PublishIn => a.Name!.StartsWith("readonly/", StringComparison.Ordinal) || a.Name.StartsWith("transform/", StringComparison.Ordinal),
            ActionType.Invoke => a.Name == "forbidden",
            ActionType.Transmit => a.Name == "forbiddenTransmit",
            ActionType.Authenticate => true,
            _ => false,
        });

        server.SetMiddleware(MiddlewareType.Outbound, actions => actions.RunForeach(action =>
        {
            var data = action.Data.ToElement();
            if (data.ValueKind == System.Text.Json.JsonValueKind.Object && data.TryGetProperty("skip", out var skip)
                                                                      && skip.ValueKind == System.Text.Json.JsonValueKind.True)
                action.Block(new AGError("FilteredError", "Filtered out") { Silent = true });
            else
                action.Allow();
        }, materializer), static (ActionInfo a) => a.Name!.StartsWith("filtered/", StringComparison.Ordinal));
    }
}
