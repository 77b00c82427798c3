using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AGServer.Protocol;
using AGServer.Sockets;

namespace AGServer.Server.Admin;

/// <summary>
/// The procedures behind the dashboard and the demo pages (each mapped only when enabled). Dashboard: a socket
/// becomes an admin socket by giving the secret to <c>agserver/admin/login</c> (kept server-side for that socket
/// only, not in a token another procedure could forge); then it may read <c>agserver/admin/overview</c> (and the last 15
/// minutes, <c>series</c>), open a channel (<c>channel</c>), search sockets by id or user (<c>search</c>), disconnect a
/// socket anywhere in the cluster, revoke a user's tokens, block and unblock a user, and publish. Demo: a name becomes the socket's user (a signed token whose <c>sub</c> is the name behind <c>demo:</c>).
/// </summary>
internal static class WebUiProcedures
{
    private sealed record AdminLogin(string? Secret);

    private sealed record DisconnectRequest(string SocketId);

    private sealed record ChannelRequest(string Channel);

    private sealed record SearchRequest(string Text);

    private sealed record PublishRequest(string Channel, JsonElement? Data);

    private sealed record UserRequest(string UserId, int? Minutes);

    private sealed record DemoLogin(string Name);

    private static readonly ConditionalWeakTable<AGServerSocket, object> Admins = new();

    public static void MapDashboard(SocketClusterServer server, AGServerOptions options)
    {
        var secret = Encoding.UTF8.GetBytes(options.DashboardSecret!);
        server.MapProcedure("agserver/admin/login", (AdminLogin login, AGServerSocket socket) =>
        {
            var given = Encoding.UTF8.GetBytes(login.Secret ?? "");
            if (!CryptographicOperations.FixedTimeEquals(given, secret)) throw new AGError("AdminLoginError", "Wrong dashboard secret");
            Admins.AddOrUpdate(socket, true);
            return new { node = Node(server) };
        });
        server.MapProcedure("agserver/admin/overview", (AGServerSocket socket) =>
        {
            RequireAdmin(socket);
            return ClusterOverview.GatherAsync(server);
        });
        server.MapProcedure("agserver/admin/series", (AGServerSocket socket) =>
        {
            RequireAdmin(socket);
            return ClusterOverview.SeriesAsync(server);
        });
        server.MapProcedure("agserver/admin/channel", (ChannelRequest request, AGServerSocket socket, CancellationToken cancellationToken) =>
        {
            RequireAdmin(socket);
            if (string.IsNullOrWhiteSpace(request.Channel)) throw new InvalidArgumentsError("A channel name, please");
            return ClusterOverview.ChannelAsync(server, request.Channel.Trim(), cancellationToken);
        });
        server.MapProcedure("agserver/admin/search", (SearchRequest request, AGServerSocket socket) =>
        {
            RequireAdmin(socket);
            if (string.IsNullOrWhiteSpace(request.Text)) throw new InvalidArgumentsError("A socket id (or its start) or a user id, please");
            return ClusterOverview.SearchAsync(server, request.Text.Trim());
        });
        server.MapProcedure("agserver/admin/disconnect", (DisconnectRequest request, AGServerSocket socket) =>
        {
            RequireAdmin(socket);
            server.Sockets.Tell(request.SocketId, SocketCommand.Disconnect(4000, "Disconnected from the AGServer dashboard"));
            return new { ok = true };
        });
        // Revocation and blocking, cluster-wide (server.Users): done once a majority of the nodes hold it.
        server.MapProcedure("agserver/admin/revoke", async (UserRequest request, AGServerSocket socket, CancellationToken cancellationToken) =>
        {
            RequireAdmin(socket);
            await server.Users.RevokeTokensAsync(RequireUser(request), cancellationToken: cancellationToken);
            return new { ok = true };
        });
        server.MapProcedure("agserver/admin/block", async (UserRequest request, AGServerSocket socket, CancellationToken cancellationToken) =>
        {
            RequireAdmin(socket);
            DateTimeOffset? until = request.Minutes is > 0 and var minutes ? DateTimeOffset.UtcNow.AddMinutes(minutes) : null;
            await server.Users.BlockAsync(RequireUser(request), until, cancellationToken);
            return new { ok = true };
        });
        server.MapProcedure("agserver/admin/unblock", async (UserRequest request, AGServerSocket socket, CancellationToken cancellationToken) =>
        {
            RequireAdmin(socket);
            await server.Users.UnblockAsync(RequireUser(request), cancellationToken);
            return new { ok = true };
        });
        server.MapProcedure("agserver/admin/publish", async (PublishRequest request, AGServerSocket socket) =>
        {
            RequireAdmin(socket);
            await server.Exchange.InvokePublishAsync(request.Channel, request.Data);
            return new { ok = true };
        });
    }

    /// <summary>The user ids of demo logins start with this.</summary>
    public const string DemoUserPrefix = "demo:";

    public static void MapDemo(SocketClusterServer server)
    {
        server.MapProcedure("agserver/demo/login", async (DemoLogin login, AGServerSocket socket, CancellationToken cancellationToken) =>
        {
            var name = login.Name.Trim();
            if (name.Length is 0 or > 32) throw new AGError("DemoLoginError", "A name of 1 to 32 characters, please");
            // A demo user is never an application user: its id is prefixed, so no name a visitor types can take over
            // the sockets, presence or whispers of a real user id while the demo is on.
            await socket.SetAuthTokenAsync(new { sub = DemoUserPrefix + name, agserverDemo = true }, cancellationToken: cancellationToken);
            return new { name, node = Node(server) };
        });
        server.MapProcedure("agserver/demo/node", () => new { node = Node(server) });
    }

    private static string Node(SocketClusterServer server) => Akka.Cluster.Cluster.Get(server.System).SelfAddress.ToString();

    private static string RequireUser(UserRequest request) =>
        string.IsNullOrWhiteSpace(request.UserId) ? throw new InvalidArgumentsError("A user id, please") : request.UserId.Trim();

    private static void RequireAdmin(AGServerSocket socket)
    {
        if (!Admins.TryGetValue(socket, out _)) throw new AGError("AdminLoginError", "Log in to the dashboard first");
    }
}
