using Akka.Streams.Dsl;
using AGServer.Middleware;
using AGServer.Protocol;
using AGServer.Server;

namespace AGServer.Conformance;

/// <summary>
/// CONFORMANCE.md's "application code written the plain way": handlers with no try/catch and no defensive code, as an
/// author would write them from the README. Whatever goes wrong inside them is the server's to contain.
/// </summary>
public static class PlainApplicationCode
{
    public static void Install(SocketClusterServer server)
    {
        var materializer = server.Materializer;

        // A synchronous handler on the procedure stream: throws on any data but {"n": <integer>}.
        server.Procedure("fragile").RunForeach(
            request => request.End(request.Data.ToElement().GetProperty("n").GetInt32() * 2), materializer);

        // The same with an asynchronous handler: it awaits before it reads the data and throws.
        server.MapProcedure("fragileAsync", async (RawJson data) =>
        {
            await Task.Yield();
            return data.ToElement().GetProperty("n").GetInt32() * 2;
        });

        // One request at a time (across all sockets), 5 ms each.
        server.MapProcedure("slow", async (RawJson data, CancellationToken cancellationToken) =>
        {
            await Task.Delay(5, cancellationToken);
            return data;
        }, new HandlerOptions { MaxConcurrency = 1 });

        // A per-socket procedure set up the SocketCluster way, in the connection listener (a per-socket handler: no
        // stream per socket).
        server.Listener(ServerEvents.Connection).RunForeach(
            connection => connection.Socket.MapProcedure("hello", () => "hi"),
            materializer);
    }

    /// <summary>
    /// The INBOUND rules for <c>fragile/</c> channels, part of the app's INBOUND middleware: <c>fragile/boom</c> throws
    /// before settling, <c>fragile/late</c> allows and then throws, any other <c>fragile/</c> channel needs authentication.
    /// Returns true when the action was one of these.
    /// </summary>
    public static bool DecideFragileSubscribe(AGAction action)
    {
        if (action.Type != ActionType.Subscribe || !action.Channel!.StartsWith("fragile/", StringComparison.Ordinal)) return false;
        switch (action.Channel)
        {
            case "fragile/boom":
                throw new InvalidOperationException("The fragile/boom rule failed before it decided");
            case "fragile/late":
                action.Allow();
                throw new InvalidOperationException("The fragile/late rule failed after it allowed");
        }
        if (action.Socket!.AuthState != Auth.AuthState.Authenticated)
            action.Block(new AGError("PrivateChannelError", $"Channel {action.Channel} requires authentication"));
        else
            action.Allow();
        return true;
    }

    public static bool IsFragileChannel(string channel) => channel.StartsWith("fragile/", StringComparison.Ordinal);
}
