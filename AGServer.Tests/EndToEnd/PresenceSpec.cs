using System.Text.Json.Nodes;
using AGServer.Tests.Support;
using Xunit;

namespace AGServer.Tests.EndToEnd;

/// <summary>
/// Presence with the stock client on a two-node cluster (the Conformance app tracks presence on <c>hist/*</c>):
/// members and counts from the server and from a client, join and leave notices on <c>$presence:name</c>.
/// A node crash is in <see cref="AGServer.Tests.Cluster.ThreeProcessClusterSpec"/>.
/// </summary>
public sealed class PresenceSpec : TwoNodeJsSpec
{
    private const string Room = "hist/room";

    private async Task<string> Join(string client, string? user, int node)
    {
        var id = (await Js.Connect(client, port: Cluster[node].Port))["id"]!.GetValue<string>();
        if (user is not null) await Js.Invoke(client, "login", new { token = new { sub = user } });
        await Js.Call("subscribe", new { client, channel = Room });
        return id;
    }

    private async Task<JsEvent> Notice(string action, string socketId) =>
        await Js.WaitFor("watcher", "channel:$presence:" + Room,
            e => e.Data!["action"]!.GetValue<string>() == action && e.Data["socketId"]?.GetValue<string>() == socketId);

    [Fact]
    public async Task Members_and_counts_follow_subscribes_unsubscribes_and_disconnects_across_nodes()
    {
        await Js.Connect("watcher");
        await Js.Call("subscribe", new { client = "watcher", channel = "$presence:" + Room });

        var alice1 = await Join("alice1", "alice", 0);
        var alice2 = await Join("alice2", "alice", 1);
        var bob = await Join("bob", "bob", 1);
        var anonymous = await Join("anonymous", null, 0);
        foreach (var socketId in new[] { alice1, alice2, bob, anonymous }) await Notice("join", socketId);

        // Three tabs of alice's are one user; a socket without a user counts as a socket only.
        var presence = await Cluster[1].Server.Exchange.PresenceAsync(Room);
        Assert.Equal((4, 2), (presence.Sockets, presence.Users));
        Assert.Equal(new[] { alice1, alice2, anonymous, bob }.Order(), presence.Members.Select(m => m.SocketId).Order());
        Assert.Equal(Akka.Cluster.Cluster.Get(Cluster[1].System).SelfAddress.ToString(), presence.Members.Single(m => m.SocketId == bob).Node);
        Assert.Equal("alice", presence.Members.Single(m => m.SocketId == alice2).UserId);

        var fromClient = (await Js.Invoke("alice1", "agserver/presence", new { channel = Room }))!;
        Assert.Equal((4, 2, 4), (fromClient["sockets"]!.GetValue<int>(), fromClient["users"]!.GetValue<int>(), fromClient["members"]!.AsArray().Count));
        var countsOnly = (await Js.Invoke("alice1", "agserver/presence", new { channel = Room, members = false }))!;
        Assert.Empty(countsOnly["members"]!.AsArray());

        await Js.Call("unsubscribe", new { client = "alice2", channel = Room });
        var left = await Notice("leave", alice2);
        Assert.Equal((3, 2), (left.Data!["sockets"]!.GetValue<int>(), left.Data["users"]!.GetValue<int>()));

        await Js.Call("disconnect", new { client = "bob" });
        left = await Notice("leave", bob);
        Assert.Equal((2, 1), (left.Data!["sockets"]!.GetValue<int>(), left.Data["users"]!.GetValue<int>()));
        presence = await Cluster[0].Server.Exchange.PresenceAsync(Room, withMembers: false);
        Assert.Equal((2, 1, 0), (presence.Sockets, presence.Users, presence.Members.Count));
    }

    [Fact]
    public async Task Only_subscribers_ask_and_channels_without_presence_say_so()
    {
        await Js.Connect("outsider");
        var refused = await Assert.ThrowsAsync<JsError>(() => Js.Invoke("outsider", "agserver/presence", new { channel = Room }));
        Assert.Equal("InvalidActionError", refused.Name);

        await Js.Call("subscribe", new { client = "outsider", channel = "plain" });
        refused = await Assert.ThrowsAsync<JsError>(() => Js.Invoke("outsider", "agserver/presence", new { channel = "plain" }));
        Assert.Contains("has no presence", refused.Error["message"]!.GetValue<string>());
        await Assert.ThrowsAsync<AGServer.Protocol.InvalidActionError>(() => Cluster[0].Server.Exchange.PresenceAsync("plain"));
    }
}
