namespace AGServer.Bench;

/// <summary>
/// Runs every scenario against AGServer, the socketcluster-server reference and the floor (the least a .NET server
/// does for the same load: AGServer.Bench.Floor), back to back, each on a fresh server.
/// </summary>
public static class BenchRunner
{
    public static readonly string[] AllScenarios = ["fanout", "rpc", "connect", "idle", "crossnode", "history", "widest", "scale"];

    /// <summary>Scenarios socketcluster-server has nothing to compare with (no cluster, no history).</summary>
    private static readonly string[] OursOnly = ["crossnode", "history", "scale"];

    public static async Task<(List<Figure> AGServer, List<Figure> Reference, List<Figure> Floor)> Run(BenchSize size, IReadOnlyCollection<string> scenarios, TextWriter log)
    {
        var ours = new List<Figure>();
        var theirs = new List<Figure>();
        var floor = new List<Figure>();
        foreach (var scenario in scenarios)
        {
            if (scenario == "rpc")
            {
                var (mine, reference, leastWork) = await RpcInTurns(size, log);
                ours.AddRange(mine);
                theirs.AddRange(reference);
                floor.AddRange(leastWork);
                continue;
            }
            if (scenario == "widest")
            {
                log.WriteLine("[widest] AGServer, two nodes");
                ours.AddRange(await Widest(nodes: 2, ServerProcess.StartAGServer, size));
                // Like for like beside it: AGServer on one node, as many subscribers as the others hold.
                log.WriteLine("[widest] AGServer, one node");
                ours.AddRange((await Widest(nodes: 1, ServerProcess.StartAGServer, size)).Select(f => f with { Scenario = OneNodeWidest }));
                log.WriteLine("[widest] socketcluster-server, one node");
                theirs.AddRange(WithSideRow(await Widest(nodes: 1, ServerProcess.StartReference, size), "widest", OneNodeWidest));
                log.WriteLine("[widest] floor, one node");
                floor.AddRange(WithSideRow(await Widest(nodes: 1, ServerProcess.StartFloor, size), "widest", OneNodeWidest));
                continue;
            }
            log.WriteLine($"[{scenario}] AGServer");
            ours.AddRange(await RunOne(scenario, ServerProcess.StartAGServer, size, log));
            if (OursOnly.Contains(scenario)) continue;
            log.WriteLine($"[{scenario}] socketcluster-server");
            theirs.AddRange(await RunOne(scenario, ServerProcess.StartReference, size, log));
            log.WriteLine($"[{scenario}] floor");
            floor.AddRange(await RunOne(scenario, ServerProcess.StartFloor, size, log));
        }
        return (ours, theirs, floor);
    }

    /// <summary>Measured windows per server in one run of the RPC scenario (<see cref="RpcInTurns"/>).</summary>
    private const int RpcTurns = 3;

    /// <summary>
    /// The RPC scenario with every server alive at once, measured in turns (AGServer, its bare stream, the reference,
    /// the floor, then again), each figure the median of its turns. Run one after the other, a neighbour's load landed
    /// on one server's window and not another's, and a ratio taken within a run did not cancel it (BENCHMARKS.md, "Thread-pool
    /// spinning is not it"); in turns, the windows compared are minutes apart at most.
    /// </summary>
    private static async Task<(List<Figure> AGServer, List<Figure> Reference, List<Figure> Floor)> RpcInTurns(BenchSize size, TextWriter log)
    {
        (string Name, Func<string[], Task<ServerProcess>> Start)[] contenders =
        [
            // The recommended path (MapProcedure) first; the bare stream is reported beside it.
            ("AGServer", ServerProcess.StartAGServer),
            ("AGServer, echo on the bare procedure stream", args => ServerProcess.StartAGServer(["--Conformance:EchoOnStream=true", .. args])),
            ("socketcluster-server", ServerProcess.StartReference),
            ("floor", ServerProcess.StartFloor),
        ];
        var servers = new List<ServerProcess>();
        try
        {
            foreach (var (name, start) in contenders)
            {
                var server = await start([]);
                servers.Add(server);
                await WarmUp(server);
                // The load once unmeasured first: .NET's tiered compilation takes seconds of a load to reach its steady code.
                if (!size.IsTiny) await Scenarios.Rpc(server.Url, server, size);
            }
            var turns = servers.Select(_ => new List<List<Figure>>()).ToArray();
            for (var turn = 0; turn < (size.IsTiny ? 1 : RpcTurns); turn++)
                for (var i = 0; i < servers.Count; i++)
                {
                    log.WriteLine($"[rpc] {contenders[i].Name}, turn {turn + 1}");
                    turns[i].Add(await Scenarios.Rpc(servers[i].Url, servers[i], size));
                }
            var figures = turns.Select(Medians).ToArray();
            return (figures[0].Concat(figures[1].Select(f => f with { Scenario = BareStreamRpc })).ToList(),
                WithSideRow(figures[2], "rpc", BareStreamRpc).ToList(), WithSideRow(figures[3], "rpc", BareStreamRpc).ToList());
        }
        finally
        {
            foreach (var server in servers) await server.DisposeAsync();
        }
    }

    /// <summary>Each metric's median over a server's turns.</summary>
    private static List<Figure> Medians(List<List<Figure>> turns) => turns[0]
        .Select(figure =>
        {
            var values = turns.Select(t => t.Single(f => f.Scenario == figure.Scenario && f.Metric == figure.Metric).Value).Order().ToArray();
            return figure with { Value = values[values.Length / 2] };
        })
        .ToList();

    /// <summary>The side row of the RPC scenario: AGServer's echo on the bare procedure stream, not through MapProcedure.</summary>
    public const string BareStreamRpc = "rpc (bare stream)";

    /// <summary>The side rows of the widest fan-out: AGServer on one node, as the reference and the floor are.</summary>
    public const string OneNodeWidest = "widest (one node)";

    /// <summary>
    /// Another server's figures of <paramref name="scenario"/> again under a side row's name (the bare stream, one node),
    /// so both of AGServer's rows get their ratios.
    /// </summary>
    private static IEnumerable<Figure> WithSideRow(List<Figure> figures, string scenario, string side) =>
        figures.Concat(figures.Where(f => f.Scenario == scenario).Select(f => f with { Scenario = side }).ToList());

    private static async Task<List<Figure>> RunOne(string scenario, Func<string[], Task<ServerProcess>> start, BenchSize size, TextWriter log)
    {
        if (scenario == "crossnode") return await CrossNode(size);
        if (scenario == "scale") return await ClusterScaling.Run(size, log);
        if (scenario == "history") return await Histories(size);
        await using var server = await start([]);
        await WarmUp(server);
        if (size.IsTiny || scenario is not ("fanout" or "connect" or "idle")) return await Measure(scenario, server, size);
        // The scenario's load once unmeasured first: .NET's tiered compilation takes seconds of a load to reach its
        // steady code (Node's JIT is steady almost at once), and a server is judged by its steady state. Memory is the
        // exception: RSS per connection is read in the first connect run, from a fresh server's baseline (after a
        // first run the heap keeps room the second run reuses, which would hide what connections cost).
        var first = await Measure(scenario == "idle" ? "connect" : scenario, server, size);
        var steady = await Measure(scenario, server, size);
        return scenario == "connect" ? steady.Select(f => IsMemory(f) ? first.Single(IsMemory) : f).ToList() : steady;
    }

    private static bool IsMemory(Figure figure) => figure.Metric.StartsWith("RSS", StringComparison.Ordinal);

    private static async Task<List<Figure>> Measure(string scenario, ServerProcess server, BenchSize size) => scenario switch
    {
        "fanout" => await Scenarios.FanOut("fanout", server.Url, [server.Url], [server], size),
        "connect" => await Scenarios.Connect(server.Url, server, size),
        "idle" => await Scenarios.Idle(server.Url, server, size),
        _ => throw new ArgumentException($"Unknown scenario '{scenario}'; known: {string.Join(", ", AllScenarios)}"),
    };

    /// <summary>Two AGServer nodes in a cluster: subscribers on one, the publisher on the other.</summary>
    private static async Task<List<Figure>> CrossNode(BenchSize size)
    {
        var seedPort = FreeTcpPort();
        await using var seed = await ServerProcess.StartAGServer("--cluster-port", seedPort.ToString(), "--seed", $"127.0.0.1:{seedPort}");
        await using var other = await ServerProcess.StartAGServer("--seed", $"127.0.0.1:{seedPort}");
        await WarmUp(seed);
        await WarmUp(other);
        return await Scenarios.FanOut("crossnode", seed.Url, [other.Url], [seed, other], size);
    }

    /// <summary>
    /// The widest fan-out on <paramref name="nodes"/> nodes of one server (AGServer's in a cluster; socketcluster-server
    /// and the floor have no cluster: one node each, as many subscribers as each of AGServer's). The floor (bare
    /// Kestrel pinging as the others do, one write per delivery) shows the wall: what one frame to each of that many
    /// sockets costs .NET here at least.
    /// </summary>
    private static async Task<List<Figure>> Widest(int nodes, Func<string[], Task<ServerProcess>> start, BenchSize size)
    {
        var servers = new List<ServerProcess>();
        try
        {
            if (nodes == 1) servers.Add(await start([]));
            else
            {
                var seedPort = FreeTcpPort();
                servers.Add(await start(["--cluster-port", seedPort.ToString(), "--seed", $"127.0.0.1:{seedPort}"]));
                for (var i = 1; i < nodes; i++) servers.Add(await start(["--seed", $"127.0.0.1:{seedPort}"]));
            }
            foreach (var server in servers) await WarmUp(server);
            return await WidestFanOut.Run(servers, size);
        }
        finally
        {
            foreach (var server in servers) await server.DisposeAsync();
        }
    }

    /// <summary>
    /// Histories four ways: one node in memory; two nodes, publishing on the node that is not the entities' home for
    /// about half the channels (every history publish confirmed once the replica has it); one node writing to a SQLite
    /// journal, and one writing to a PostgreSQL journal (confirmed once written).
    /// </summary>
    private static async Task<List<Figure>> Histories(BenchSize size)
    {
        var figures = new List<Figure>();
        await using (var alone = await ServerProcess.StartAGServer())
        {
            await WarmUp(alone);
            figures.AddRange(await Scenarios.History(alone.Url, alone, size, "one node"));
        }
        var seedPort = FreeTcpPort();
        await using (var seed = await ServerProcess.StartAGServer("--cluster-port", seedPort.ToString(), "--seed", $"127.0.0.1:{seedPort}"))
        await using (var other = await ServerProcess.StartAGServer("--seed", $"127.0.0.1:{seedPort}"))
        {
            await WarmUp(other);
            figures.AddRange(await Scenarios.History(other.Url, other, size, "two nodes, replicated"));
        }
        var data = Directory.CreateTempSubdirectory("agserver-bench-").FullName;
        try
        {
            await using var journaled = await ServerProcess.StartAGServer("--data-dir", data, "--history-journal", "sqlite");
            await WarmUp(journaled);
            figures.AddRange(await Scenarios.History(journaled.Url, journaled, size, "one node, SQLite journal"));
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
        // The cluster's journal: a PostgreSQL server of the bench's own on this machine, fsync on (a write is durable).
        await using (var postgres = await Support.PrivatePostgres.StartAsync(fsync: true))
        {
            var connection = await postgres.NewDatabaseAsync();
            await using var journaled = await ServerProcess.StartAGServer("--history-journal", "postgresql", "--history-connection", connection);
            await WarmUp(journaled);
            figures.AddRange(await Scenarios.History(journaled.Url, journaled, size, "one node, PostgreSQL journal"));
        }
        return figures;
    }

    /// <summary>A short run of each path first, so JIT compilation is not measured.</summary>
    private static async Task WarmUp(ServerProcess server)
    {
        await Scenarios.FanOut("warmup", server.Url, [server.Url], [server], BenchSize.Tiny);
        await Scenarios.Rpc(server.Url, server, BenchSize.Tiny);
        await Scenarios.Connect(server.Url, server, BenchSize.Tiny);
    }

    internal static int FreeTcpPort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
