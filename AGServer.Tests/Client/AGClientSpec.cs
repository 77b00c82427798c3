using System.Text.Json;
using AGServer.Bench;
using AGServer.Client;
using Xunit;

namespace AGServer.Tests.Client;

/// <summary>The two servers every client spec runs against: the AGServer Conformance app and socketcluster-server 20.</summary>
public sealed class ClientServers : IAsyncLifetime
{
    private ServerProcess? _agServer;
    private ServerProcess? _reference;

    public Uri Url(string server) => server switch
    {
        "AGServer" => _agServer!.Url,
        "socketcluster-server" => _reference!.Url,
        _ => throw new ArgumentOutOfRangeException(nameof(server), server, null),
    };

    public async Task InitializeAsync()
    {
        var agServer = ServerProcess.StartAGServer();
        var reference = ServerProcess.StartClientConformanceReference();
        _agServer = await agServer;
        _reference = await reference;
    }

    public async Task DisposeAsync()
    {
        if (_agServer is not null) await _agServer.DisposeAsync();
        if (_reference is not null) await _reference.DisposeAsync();
    }
}

/// <summary>
/// AGServer.Client against both servers: each behaviour runs against the AGServer Conformance app and against
/// socketcluster-server 20 (bench/reference/client-conformance.js, the same procedures), and must pass on both.
/// </summary>
public sealed class AGClientSpec(ClientServers servers) : IClassFixture<ClientServers>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    public static readonly TheoryData<string> Servers = new() { "AGServer", "socketcluster-server" };

    private sealed record Point(int X, int Y);

    private async Task<AGClientSocket> Connect(string server, Action<AGClientOptions>? configure = null)
    {
        var options = new AGClientOptions { Uri = servers.Url(server) };
        configure?.Invoke(options);
        var client = new AGClientSocket(options);
        await client.ConnectAsync();
        return client;
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task An_invoke_returns_the_data_typed_and_a_server_error_keeps_its_name_and_properties(string server)
    {
        await using var client = await Connect(server);
        Assert.Equal(AGClientState.Open, client.State);
        Assert.False(string.IsNullOrEmpty(client.Id));

        Assert.Equal(new Point(1, 2), await client.InvokeAsync<Point>("echo", new Point(1, 2)));
        var error = await Assert.ThrowsAsync<AGClientError>(() => client.InvokeAsync("error", new { a = 1 }));
        Assert.Equal("CustomError", error.Name);
        Assert.Equal("Custom error", error.Message);
        Assert.Equal(4321, error.Error!.Value.GetProperty("code").GetInt32());
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task The_server_invokes_the_clients_procedure_and_transmits_to_its_receiver(string server)
    {
        await using var client = await Connect(server);
        client.OnInvoke<Point, int>("sum", (point, _) => Task.FromResult(point!.X + point.Y));
        var transmitted = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.OnTransmit<string>("greeting", text =>
        {
            transmitted.TrySetResult(text);
            return Task.CompletedTask;
        });

        Assert.Equal(7, await client.InvokeAsync<int>("invokeBack", new { procedure = "sum", data = new Point(3, 4) }));
        await client.InvokeAsync("transmitBack", new { @event = "greeting", data = "hello" });
        Assert.Equal("hello", await transmitted.Task.WaitAsync(Wait));

        // A procedure the client does not serve is answered with an error, never left to time out.
        var error = await Assert.ThrowsAsync<AGClientError>(() => client.InvokeAsync("invokeBack", new { procedure = "nothing", data = 1 }));
        Assert.Equal("UnknownProcedureError", error.Name);
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task A_refused_subscribe_fails_with_the_servers_error_and_the_channel_is_unsubscribed(string server)
    {
        // Subscribed before connecting, so the handler is there before the subscribe goes out (a connected client's
        // subscribe can be answered before the next line runs: WhenSubscribedAsync has that first outcome).
        await using var client = new AGClientSocket(new AGClientOptions { Uri = servers.Url(server) });
        var channel = client.Subscribe("private/diary");
        var failed = new TaskCompletionSource<AGClientError>(TaskCreationOptions.RunContinuationsAsynchronously);
        channel.SubscribeFailed += (_, error) => failed.TrySetResult(error);
        await client.ConnectAsync();

        var error = await Assert.ThrowsAsync<AGClientError>(() => channel.WhenSubscribedAsync().WaitAsync(Wait));
        Assert.Equal("PrivateChannelError", error.Name);
        Assert.Equal("PrivateChannelError", (await failed.Task.WaitAsync(Wait)).Name);
        Assert.Equal(AGChannelState.Unsubscribed, channel.State);
        Assert.Empty(client.Subscriptions());
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task What_was_sent_before_a_disconnect_reaches_the_server_before_the_close(string server)
    {
        await using var subscriber = await Connect(server);
        var channel = subscriber.Subscribe("client/last-words");
        await channel.WhenSubscribedAsync().WaitAsync(Wait);
        var publisher = await Connect(server);
        var page = new string('x', 16 * 1024);

        for (var n = 1; n <= 100; n++) _ = publisher.TransmitPublishAsync("client/last-words", new Page(n, page));   // 1.6 MB queued, none awaited
        await publisher.DisconnectAsync();

        var received = 0;
        await foreach (var next in channel.ListenAsync<Page>().WithCancellation(new CancellationTokenSource(Wait).Token))
            if ((received = next!.N) == 100) break;
        Assert.Equal(100, received);
    }

    private sealed record Page(int N, string Text);

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task A_channel_gets_what_clients_and_the_server_publish_in_order_until_it_is_unsubscribed(string server)
    {
        await using var subscriber = await Connect(server);
        await using var publisher = await Connect(server);
        var channel = subscriber.Subscribe("client/points");
        await channel.WhenSubscribedAsync().WaitAsync(Wait);
        Assert.Equal(AGChannelState.Subscribed, channel.State);

        await publisher.InvokePublishAsync("client/points", new Point(1, 1));
        await publisher.TransmitPublishAsync("client/points", new Point(2, 2));
        await publisher.InvokeAsync("publish", new { channel = "client/points", data = new Point(3, 3) });

        var received = new List<Point?>();
        await foreach (var point in channel.ListenAsync<Point>().WithCancellation(new CancellationTokenSource(Wait).Token))
        {
            received.Add(point);
            if (received.Count == 3) break;
        }
        Assert.Equal([new Point(1, 1), new Point(2, 2), new Point(3, 3)], received);

        await channel.UnsubscribeAsync();
        Assert.Equal(AGChannelState.Unsubscribed, channel.State);
        Assert.Empty(subscriber.Subscriptions());
        await foreach (var _ in channel.ListenAsync<Point>()) Assert.Fail("an unsubscribed channel's stream ends");
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task The_dotnet_client_and_the_stock_JS_client_share_a_channel_both_ways(string server)
    {
        await using var js = await AGServer.Tests.Support.JsClients.Start(servers.Url(server).Port);
        await js.Connect("jsClient");
        await js.Call("subscribe", new { client = "jsClient", channel = "interop/both" });
        await using var client = await Connect(server);
        var channel = client.Subscribe("interop/both");
        await channel.WhenSubscribedAsync().WaitAsync(Wait);

        await client.InvokePublishAsync("interop/both", new Point(5, 6));
        var fromDotnet = await js.WaitFor("jsClient", "channel:interop/both");
        Assert.Equal((5, 6), (fromDotnet.Data!["x"]!.GetValue<int>(), fromDotnet.Data!["y"]!.GetValue<int>()));
        await js.Call("invokePublish", new { client = "jsClient", channel = "interop/both", data = new { x = 7, y = 8 } });

        var received = new List<Point?>();
        await foreach (var point in channel.ListenAsync<Point>().WithCancellation(new CancellationTokenSource(Wait).Token))
        {
            received.Add(point);
            if (received.Count == 2) break;
        }
        Assert.Equal([new Point(5, 6), new Point(7, 8)], received);   // its own publication, then the JS client's
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task A_kicked_out_channel_says_so_and_its_stream_ends(string server)
    {
        await using var client = await Connect(server);
        var channel = client.Subscribe("client/kick");
        await channel.WhenSubscribedAsync().WaitAsync(Wait);
        var kicked = new TaskCompletionSource<JsonElement?>(TaskCreationOptions.RunContinuationsAsynchronously);
        channel.KickedOut += (_, message) => kicked.TrySetResult(message);

        await client.InvokeAsync("kickOut", new { channel = "client/kick", message = "bye" });

        Assert.Equal("bye", (await kicked.Task.WaitAsync(Wait))?.GetString());
        Assert.Equal(AGChannelState.Unsubscribed, channel.State);
        await foreach (var _ in channel.ListenAsync<JsonElement>().WithCancellation(new CancellationTokenSource(Wait).Token))
            Assert.Fail("a kicked-out channel's stream ends");
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task A_token_the_server_sets_is_stored_and_sent_on_the_next_handshake_and_logout_removes_it(string server)
    {
        var store = new MemoryAuthTokenStore();
        await using (var first = await Connect(server, o => o.AuthTokenStore = store))
        {
            var changed = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            first.AuthenticationChanged += (_, authenticated) => changed.TrySetResult(authenticated);
            await first.InvokeAsync("login", new { token = new { sub = "ann" } });
            Assert.True(await changed.Task.WaitAsync(Wait));
            Assert.True(first.IsAuthenticated);
            Assert.Equal("ann", first.AuthToken!.Value.GetProperty("sub").GetString());
            Assert.Equal(first.SignedAuthToken, await store.LoadAsync());
        }

        await using var second = await Connect(server, o => o.AuthTokenStore = store);
        Assert.True(second.IsAuthenticated);                       // from the handshake, with the stored token
        var whoami = await second.InvokeAsync<JsonElement>("whoami");
        Assert.Equal("authenticated", whoami.GetProperty("authState").GetString());
        Assert.Equal("ann", whoami.GetProperty("authToken").GetProperty("sub").GetString());

        await second.DeauthenticateAsync();
        Assert.False(second.IsAuthenticated);
        Assert.Null(await store.LoadAsync());
        Assert.Equal("unauthenticated", (await second.InvokeAsync<JsonElement>("whoami")).GetProperty("authState").GetString());
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task A_refused_stored_token_is_dropped_and_the_socket_connects_unauthenticated(string server)
    {
        var store = new MemoryAuthTokenStore();
        await store.SaveAsync("not.a.token");

        await using var client = await Connect(server, o => o.AuthTokenStore = store);

        Assert.False(client.IsAuthenticated);
        Assert.Null(await store.LoadAsync());
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task After_the_server_drops_it_the_client_reconnects_and_subscribes_its_channels_again(string server)
    {
        await using var client = await Connect(server, o =>
        {
            o.AutoReconnectOptions.InitialDelay = TimeSpan.FromMilliseconds(100);
            o.AutoReconnectOptions.Randomness = TimeSpan.FromMilliseconds(100);
        });
        var channel = client.Subscribe("client/again");
        await channel.WhenSubscribedAsync().WaitAsync(Wait);
        var disconnected = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Disconnected += (_, e) => disconnected.TrySetResult(e.Code);
        var firstId = client.Id;

        // The server closes this socket: the invoke is never answered (BadConnectionError).
        await client.InvokeAsync("disconnect", new { code = 4444, reason = "go away" }).ContinueWith(_ => { });

        Assert.Equal(4444, await disconnected.Task.WaitAsync(Wait));
        await channel.WhenSubscribedAsync().WaitAsync(Wait);          // subscribed again on the new connection
        Assert.Equal(AGClientState.Open, client.State);
        Assert.NotEqual(firstId, client.Id);

        // A publication after the reconnect arrives.
        await client.InvokeAsync("publish", new { channel = "client/again", data = "back" });
        await foreach (var text in channel.ListenAsync<string>().WithCancellation(new CancellationTokenSource(Wait).Token))
        {
            Assert.Equal("back", text);
            break;
        }
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task After_DisconnectAsync_calls_fail_at_once_and_nothing_reconnects(string server)
    {
        var client = await Connect(server, o => o.AutoReconnectOptions.InitialDelay = TimeSpan.Zero);
        var channel = client.Subscribe("client/closed");
        await channel.WhenSubscribedAsync().WaitAsync(Wait);

        await client.DisconnectAsync();

        Assert.Equal(AGClientState.Closed, client.State);
        Assert.Equal(AGChannelState.Pending, channel.State);               // kept for a later ConnectAsync
        var error = await Assert.ThrowsAsync<AGClientError>(() => client.InvokeAsync("echo", 1));
        Assert.Equal("BadConnectionError", error.Name);
        await client.ConnectAsync();                                          // and it can connect again, resubscribing
        await channel.WhenSubscribedAsync().WaitAsync(Wait);
        await client.DisposeAsync();
    }

    [Fact]
    public async Task A_recovering_channel_gets_what_it_missed_while_disconnected_once_and_in_order()
    {
        // AGServer's history channels (the Conformance app keeps history and recovery on hist/*).
        await using var follower = await Connect("AGServer", o =>
        {
            o.AutoReconnectOptions.InitialDelay = TimeSpan.FromSeconds(1);   // long enough to publish while it is away
            o.AutoReconnectOptions.Randomness = TimeSpan.Zero;
        });
        await using var publisher = await Connect("AGServer");
        var channel = follower.SubscribeWithRecovery("hist/client-recovery");
        await channel.WhenSubscribedAsync().WaitAsync(Wait);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var reader = channel.ListenAsync<int>().GetAsyncEnumerator(stop.Token);
        async Task<List<int>> Read(int count)
        {
            var got = new List<int>();
            while (got.Count < count && await reader.MoveNextAsync()) got.Add(reader.Current);
            return got;
        }

        foreach (var n in new[] { 1, 2, 3 }) await publisher.InvokePublishAsync("hist/client-recovery", n);
        Assert.Equal([1, 2, 3], await Read(3));
        var epoch = channel.Position!.Value.Epoch;
        Assert.Equal(new ChannelPosition(epoch, 3), channel.Position);

        var disconnected = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        follower.Disconnected += (_, e) => disconnected.TrySetResult(e.Code);
        await follower.InvokeAsync("disconnect", new { code = 4444 }).ContinueWith(_ => { });
        await disconnected.Task.WaitAsync(Wait);
        foreach (var n in new[] { 4, 5, 6 }) await publisher.InvokePublishAsync("hist/client-recovery", n);   // while it is away
        await channel.WhenSubscribedAsync().WaitAsync(Wait);
        await publisher.InvokePublishAsync("hist/client-recovery", 7);

        Assert.Equal([4, 5, 6, 7], await Read(4));
        Assert.Equal(new ChannelPosition(epoch, 7), channel.Position);
    }

    [Fact]
    public async Task A_position_the_history_cannot_answer_raises_Unrecoverable_and_the_channel_goes_on()
    {
        await using var publisher = await Connect("AGServer");
        foreach (var n in new[] { 1, 2 }) await publisher.InvokePublishAsync("hist/client-unrecoverable", n);
        await using var follower = await Connect("AGServer");
        var unrecoverable = new TaskCompletionSource<ChannelPosition>(TaskCreationOptions.RunContinuationsAsynchronously);

        var channel = follower.SubscribeWithRecovery("hist/client-unrecoverable", from: new ChannelPosition("an-epoch-long-gone", 5));
        channel.Unrecoverable += (_, now) => unrecoverable.TrySetResult(now);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var first = Task.Run(async () =>
        {
            await foreach (var n in channel.ListenAsync<int>().WithCancellation(stop.Token)) return n;
            return -1;
        });

        var position = await unrecoverable.Task.WaitAsync(Wait);
        Assert.Equal(2, position.Offset);                         // where the channel was when it answered
        Assert.Null(channel.Position);                            // a fresh start: the next publication is taken
        await publisher.InvokePublishAsync("hist/client-unrecoverable", 3);
        Assert.Equal(3, await first.WaitAsync(Wait));             // the notice is not a publication
        Assert.Equal(new ChannelPosition(position.Epoch, 3), channel.Position);
    }

    [Fact]
    public async Task No_publication_made_after_the_subscribe_overtakes_the_unrecoverable_notice()
    {
        // The server holds the channel's live publications while it answers a recovery, and sends what it held after
        // the answer; a publication arriving while the hold ends waits for the answer too.
        await using var publisher = await Connect("AGServer");
        foreach (var n in new[] { 1, 2 }) await publisher.InvokePublishAsync("hist/client-order", n);
        await using var follower = await Connect("AGServer");
        var order = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var channel = follower.SubscribeWithRecovery("hist/client-order", from: new ChannelPosition("an-epoch-long-gone", 5));
        channel.Unrecoverable += (_, _) => order.Enqueue("notice");
        await channel.WhenSubscribedAsync().WaitAsync(Wait);

        await Task.WhenAll(Enumerable.Range(3, 30).Select(n => publisher.InvokePublishAsync("hist/client-order", n)));
        await publisher.InvokePublishAsync("hist/client-order", 100);     // the last: read up to it
        await foreach (var n in channel.ListenAsync<int>().WithCancellation(new CancellationTokenSource(Wait).Token))
        {
            order.Enqueue("publication");
            if (n == 100) break;
        }

        Assert.Equal("notice", order.First());
    }

    [Fact]
    public async Task Presence_and_history_helpers_answer_typed_and_presence_notices_arrive()
    {
        // The Conformance app keeps presence and history on hist/*.
        await using var ann = await Connect("AGServer");
        await ann.InvokeAsync("login", new { token = new { sub = "ann" } });
        await using var guest = await Connect("AGServer");
        var notices = guest.Subscribe("$presence:hist/client-room");
        await notices.WhenSubscribedAsync().WaitAsync(Wait);
        await guest.Subscribe("hist/client-room").WhenSubscribedAsync().WaitAsync(Wait);
        await ann.Subscribe("hist/client-room").WhenSubscribedAsync().WaitAsync(Wait);

        var presence = await ann.GetPresenceAsync("hist/client-room");
        Assert.Equal((2, 1), (presence.Sockets, presence.Users));                 // a socket without a token is no user
        Assert.Contains(presence.Members!, m => m.SocketId == ann.Id && m.UserId == "ann");
        Assert.Contains(presence.Members!, m => m.SocketId == guest.Id && m.UserId is null);
        Assert.Null((await ann.GetPresenceAsync("hist/client-room", withMembers: false)).Members);
        await foreach (var notice in notices.ListenAsync<PresenceNotice>().WithCancellation(new CancellationTokenSource(Wait).Token))
        {
            if (notice!.SocketId != ann.Id) continue;                              // the guest's own join may come first
            Assert.Equal(("join", "ann", 2, 1), (notice.Action, notice.UserId, notice.Sockets, notice.Users));
            break;
        }

        foreach (var n in new[] { 1, 2, 3 }) await ann.InvokePublishAsync("hist/client-room", new Point(n, n));
        var history = await guest.GetHistoryAsync<Point>("hist/client-room", limit: 2);
        Assert.Equal(3, history.Offset);
        Assert.Equal([(2L, new Point(2, 2)), (3L, new Point(3, 3))], history.Publications.Select(p => (p.Offset, p.Data)).ToList());
        Assert.Equal(3, (await guest.GetHistoryAsync<Point>("hist/client-room")).Publications.Count);
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task The_connections_events_arrive_in_order_as_an_async_stream(string server)
    {
        await using var client = await Connect(server, o =>
        {
            o.AutoReconnectOptions.InitialDelay = TimeSpan.FromMilliseconds(100);
            o.AutoReconnectOptions.Randomness = TimeSpan.Zero;
        });
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var events = client.ListenAsync(stop.Token).GetAsyncEnumerator();
        var next = events.MoveNextAsync();                          // listening from here (the iterator subscribes at once)
        await client.InvokeAsync("login", new { token = new { sub = "ann" } });
        await client.InvokeAsync("disconnect", new { code = 4444, reason = "go" }).ContinueWith(_ => { });

        var seen = new List<AGClientEvent>();
        while (await next)
        {
            seen.Add(events.Current);
            if (events.Current.Kind == AGClientEventKind.Connected) break;   // back after the drop
            next = events.MoveNextAsync();
        }
        Assert.Equal(
            [AGClientEventKind.AuthenticationChanged, AGClientEventKind.Disconnected, AGClientEventKind.Error, AGClientEventKind.Connected],
            seen.Select(e => e.Kind));
        Assert.True(seen[0].IsAuthenticated);
        Assert.Equal((4444, "go"), (seen[1].Code, seen[1].Reason));
        Assert.Equal("SocketProtocolError", Assert.IsType<AGClientError>(seen[2].Error).Name);
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task A_batch_goes_out_as_one_frame_the_server_takes_and_a_cancelled_one_never_goes(string server)
    {
        await using var client = await Connect(server, o => o.AckTimeout = TimeSpan.FromSeconds(1));

        client.StartBatch();
        var calls = new[] { 1, 2, 3 }.Select(n => client.InvokeAsync<int>("echo", n)).ToArray();
        await client.FlushBatchAsync();
        var answers = await Task.WhenAll(calls).WaitAsync(Wait);
        Assert.Equal([1, 2, 3], answers);

        client.StartBatch();
        var dropped = client.InvokeAsync<int>("echo", 4);
        client.CancelBatch();
        Assert.Equal("TimeoutError", (await Assert.ThrowsAsync<AGClientError>(() => dropped)).Name);   // never sent: no answer

        client.StartBatching();                                  // continuous: sent every BatchInterval
        Assert.Equal(5, await client.InvokeAsync<int>("echo", 5).WaitAsync(Wait));
        await client.StopBatchingAsync();
        Assert.False(client.IsBatching);
        Assert.Equal(6, await client.InvokeAsync<int>("echo", 6));
    }

    [Fact]
    public void Bad_options_are_refused_with_what_to_fix()
    {
        var error = Assert.Throws<ArgumentException>(() => new AGClientSocket(new AGClientOptions
        {
            Uri = new Uri("http://localhost/"),
            ProtocolVersion = 3,
            ChannelBufferSize = 0,
        }));
        Assert.Contains("ws:// or wss://", error.Message);
        Assert.Contains("ProtocolVersion must be 1 or 2", error.Message);
        Assert.Contains("ChannelBufferSize must be at least 1", error.Message);
    }
}
