using AGServer.Client;
using AGServer.Tests.Support;
using Microsoft.Playwright;
using Xunit;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace AGServer.Tests.Browser;

/// <summary>
/// The dashboard and the demo chat in a real headless Chromium (Debian's, driven by Playwright), on a two-node cluster
/// of Conformance processes: two chat pages on two nodes talk, the dashboard shows their connections and channel,
/// and a publish made from it reaches the chat. Screenshots go to TestResults/screenshots.
/// </summary>
public sealed class BrowserSpec(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Secret = "browser-spec-dashboard-secret";
    private const string Chromium = "/usr/bin/chromium";
    private readonly List<NodeProcess> _nodes = new();
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: test.sh installs Debian's chromium package");
        var seedPort = FreePort.Next();
        string[] web = ["--AGServer:DashboardEnabled=true", $"--AGServer:DashboardSecret={Secret}", "--AGServer:DemoEnabled=true"];
        _nodes.Add(await NodeProcess.Start(["--cluster-port", seedPort.ToString(), "--seed", $"127.0.0.1:{seedPort}", .. web]));
        _nodes.Add(await NodeProcess.Start(["--seed", $"127.0.0.1:{seedPort}", .. web]));
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox"] });
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        foreach (var node in _nodes) await node.DisposeAsync();
    }

    private static string Screenshots()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "AGServer.sln"))) return Directory.CreateDirectory(Path.Combine(dir.FullName, "TestResults", "screenshots")).FullName;
        return Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots")).FullName;
    }

    private async Task<IPage> ChatAs(string name, NodeProcess node)
    {
        var page = await _browser.NewPageAsync();
        page.Console += (_, message) => output.WriteLine($"[{name}] {message.Text}");
        page.PageError += (_, error) => output.WriteLine($"[{name}] page error: {error}");
        page.RequestFailed += (_, request) => output.WriteLine($"[{name}] request failed: {request.Url} {request.Failure}");
        page.Response += (_, response) => { if (response.Status >= 400) output.WriteLine($"[{name}] {response.Status} {response.Url}"); };
        await page.GotoAsync($"http://127.0.0.1:{node.Port}/agserver/demo/");
        // A deadline, not a pause: a freshly started node's first handshake runs cold code beside the rest of the suite
        // (one CI run took over Playwright's default 5 s: the page still "connecting", no disconnect in between).
        await Expect(page.Locator("#state")).ToHaveTextAsync("connected", new() { Timeout = 30_000 });
        await page.FillAsync("#name", name);
        await page.ClickAsync("#login-form button");
        await Expect(page.Locator("#me")).ToHaveTextAsync(name);
        await Expect(page.Locator("#messages li.notice")).ToHaveTextAsync("joined lobby");
        return page;
    }

    private static async Task Say(IPage page, string text)
    {
        await page.FillAsync("#text", text);
        await page.ClickAsync("#message-form button");
    }

    [Fact]
    public async Task Two_chat_pages_on_two_nodes_talk_and_the_dashboard_shows_them_and_publishes_into_the_chat()
    {
        var alice = await ChatAs("alice", _nodes[0]);
        var bob = await ChatAs("bob", _nodes[1]);
        var node1 = await alice.TextContentAsync("#node");
        var node2 = await bob.TextContentAsync("#node");
        Assert.NotEqual(node1, node2);

        await Say(alice, "hello from node 1");
        await Expect(bob.Locator("#messages li.message").Last).ToHaveTextAsync("alice: hello from node 1");
        await Say(bob, "hello from node 2");
        await Expect(alice.Locator("#messages li.message").Last).ToHaveTextAsync("bob: hello from node 2");

        var dashboard = await _browser.NewPageAsync();
        await dashboard.GotoAsync($"http://127.0.0.1:{_nodes[0].Port}/agserver/dashboard/");
        await dashboard.FillAsync("#secret", "wrong secret");
        await dashboard.ClickAsync("#login-form button");
        await Expect(dashboard.Locator("#login-error")).ToHaveTextAsync("Wrong dashboard secret");
        await dashboard.FillAsync("#secret", Secret);
        await dashboard.ClickAsync("#login-form button");

        // Both nodes, with alice and the dashboard on node 1 and bob on node 2; the lobby with its two subscribers.
        await Expect(dashboard.Locator("#nodes tbody tr")).ToHaveCountAsync(2);
        await Expect(dashboard.Locator($"#nodes tbody tr[data-node='{node1}'] .connections")).ToHaveTextAsync("2");
        await Expect(dashboard.Locator($"#nodes tbody tr[data-node='{node2}'] .connections")).ToHaveTextAsync("1");
        await Expect(dashboard.Locator("#channels tbody tr[data-channel='demo/lobby'] .subscribers")).ToHaveTextAsync("2");

        await dashboard.FillAsync("#publish-channel", "demo/lobby");
        await dashboard.FillAsync("#publish-data", """{"from": "ops", "text": "from the dashboard"}""");
        await dashboard.ClickAsync("#publish-form button");
        foreach (var page in new[] { alice, bob })
            await Expect(page.Locator("#messages li.message").Last).ToHaveTextAsync("ops: from the dashboard");

        // Live: a later reading gives rates (messages and RPCs per second) for each node.
        await Expect(dashboard.Locator($"#nodes tbody tr[data-node='{node1}'] .rpcs")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d+\.\d$"));

        var folder = Screenshots();
        await alice.ScreenshotAsync(new() { Path = Path.Combine(folder, "demo-node1-alice.png"), FullPage = true });
        await bob.ScreenshotAsync(new() { Path = Path.Combine(folder, "demo-node2-bob.png"), FullPage = true });
        await dashboard.ScreenshotAsync(new() { Path = Path.Combine(folder, "dashboard.png"), FullPage = true });
        output.WriteLine($"Screenshots in {folder}");
    }

    private sealed record NodeName(string Node);

    private async Task<AGClientSocket> Client(NodeProcess node)
    {
        // A deadline as the chat pages' (a fresh node's first handshake runs cold code beside the rest of the suite; two
        // runs of the suite went over the client's default 20 s here), and the time it took in the test's output.
        var client = new AGClientSocket(new AGClientOptions
        {
            Uri = new Uri($"ws://127.0.0.1:{node.Port}/socketcluster/"), AutoReconnect = false, ConnectTimeout = TimeSpan.FromSeconds(60),
        });
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            await client.ConnectAsync();
            output.WriteLine($"connected to node {node.Port} in {clock.Elapsed.TotalSeconds:F1} s");
        }
        catch (AGClientError error)
        {
            // What the node was doing says why (one CI run's connect to a fresh node timed out with nothing else to go on).
            throw new InvalidOperationException($"{error.Message}; the node's log:\n{node.Output}", error);
        }
        return client;
    }

    [Fact]
    public async Task Under_load_the_dashboard_charts_each_node_opens_a_channel_across_both_and_finds_and_disconnects_a_users_sockets()
    {
        // carol is connected to both nodes and present in a history channel; two clients keep both nodes busy.
        await using var carolOne = await Client(_nodes[0]);
        await using var carolTwo = await Client(_nodes[1]);
        var carolsClosed = new[] { carolOne, carolTwo }.Select(carol =>
        {
            var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            carol.Disconnected += (_, _) => closed.TrySetResult();
            return closed.Task;
        }).ToArray();
        var node1 = (await carolOne.InvokeAsync<NodeName>("agserver/demo/node"))!.Node;
        var node2 = (await carolTwo.InvokeAsync<NodeName>("agserver/demo/node"))!.Node;
        foreach (var carol in new[] { carolOne, carolTwo })
        {
            await carol.InvokeAsync("login", new { token = new { sub = "carol" } });
            await carol.Subscribe("hist/room").WhenSubscribedAsync();
        }
        for (var i = 1; i <= 3; i++) await carolOne.InvokePublishAsync("hist/room", new { move = i });

        using var load = new CancellationTokenSource();
        var loaders = new List<AGClientSocket>();
        var loops = new List<Task>();
        foreach (var node in _nodes)
        {
            var loader = await Client(node);
            loaders.Add(loader);
            loops.Add(Task.Run(async () =>
            {
                while (!load.IsCancellationRequested) await loader.InvokeAsync("echo", new { payload = "load" }, load.Token);
            }));
        }

        var dashboard = await _browser.NewPageAsync();
        dashboard.PageError += (_, error) => output.WriteLine($"[dashboard] page error: {error}");
        await dashboard.GotoAsync($"http://127.0.0.1:{_nodes[0].Port}/agserver/dashboard/");
        await dashboard.FillAsync("#secret", Secret);
        await dashboard.ClickAsync("#login-form button");

        // Charts draw (a canvas per figure, a line per node) and move (their newest point advances).
        foreach (var chart in new[] { "connections", "messages-in", "messages-out", "rpcs", "deliveries", "errors", "rate-limited", "memory", "heap", "cpu" })
            await Expect(dashboard.Locator($"#chart-{chart} canvas")).ToHaveCountAsync(1);
        await Expect(dashboard.Locator("#chart-legend .legend-item")).ToHaveCountAsync(2);
        await Expect(dashboard.Locator("#chart-rpcs")).ToHaveAttributeAsync("data-series", "2");   // a line per node
        var last = await dashboard.Locator("#chart-rpcs").GetAttributeAsync("data-last");
        await Expect(dashboard.Locator("#chart-rpcs")).Not.ToHaveAttributeAsync("data-last", last ?? "");
        // The cluster table: both members up, with memory and CPU.
        await Expect(dashboard.Locator($"#nodes tbody tr[data-node='{node2}'] .rss")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d+\.\d$"));
        await Expect(dashboard.Locator($"#nodes tbody tr[data-node='{node1}'] .rpcs")).Not.ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^(0\.0)?$"));

        // The channel page: subscribers on each node, carol's two sockets present on both nodes, the history.
        await dashboard.FillAsync("#channel-name", "hist/room");
        await dashboard.ClickAsync("#channel-form button");
        await Expect(dashboard.Locator($"#channel-nodes tbody tr[data-node='{node1}'] .subscribers")).ToHaveTextAsync("1");
        await Expect(dashboard.Locator($"#channel-nodes tbody tr[data-node='{node2}'] .subscribers")).ToHaveTextAsync("1");
        await Expect(dashboard.Locator($"#channel-members tbody tr[data-socket='{carolOne.Id}'] .node")).ToHaveTextAsync(node1);
        await Expect(dashboard.Locator($"#channel-members tbody tr[data-socket='{carolTwo.Id}'] .node")).ToHaveTextAsync(node2);
        await Expect(dashboard.Locator("#channel-history tbody tr")).ToHaveCountAsync(3);
        await dashboard.FillAsync("#channel-publish-data", """{"move": 4}""");
        await dashboard.ClickAsync("#channel-publish-form button");
        await Expect(dashboard.Locator("#channel-history tbody tr")).ToHaveCountAsync(4);

        var folder = Screenshots();
        await dashboard.ScreenshotAsync(new() { Path = Path.Combine(folder, "dashboard-charts.png"), FullPage = true });

        // A search for the user finds both sockets, one on each node; disconnecting them closes both clients.
        await dashboard.FillAsync("#search-text", "carol");
        await dashboard.ClickAsync("#search-form button");
        await Expect(dashboard.Locator($"#search-results tbody tr[data-socket='{carolOne.Id}'] .node")).ToHaveTextAsync(node1);
        await Expect(dashboard.Locator($"#search-results tbody tr[data-socket='{carolTwo.Id}'] .node")).ToHaveTextAsync(node2);
        await Expect(dashboard.Locator("#search-results tbody tr")).ToHaveCountAsync(2);
        await dashboard.ScreenshotAsync(new() { Path = Path.Combine(folder, "dashboard-search.png"), FullPage = true });
        await dashboard.ClickAsync("#disconnect-found");
        await Expect(dashboard.Locator("#search-results tbody tr")).ToHaveCountAsync(0);
        await Task.WhenAll(carolsClosed).WaitAsync(TimeSpan.FromSeconds(10));

        await load.CancelAsync();
        foreach (var loop in loops)
        {
            try
            {
                await loop;
            }
            catch (OperationCanceledException)
            {
                // The call in flight when the load stopped.
            }
        }
        foreach (var loader in loaders) await loader.DisposeAsync();
        output.WriteLine($"Screenshots in {folder}");
    }
}
