using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using AGServer.Client;

namespace AGServer.Bench;

/// <summary>
/// A rolling restart of a whole AGServer cluster (issue #34), as an operator does it in the README's first recipe
/// (every seed listed on every node): each node in turn gets SIGTERM, is started again with the same ports and is
/// waited for until it sees every member Up. Meanwhile one AGServer.Client publishes on <c>hist/</c> channels (history
/// kept in memory, on two nodes at least) and one AGServer.Client on every node follows each of them with
/// <see cref="AGClientSocket.SubscribeWithRecovery"/>. Counted from outside: acknowledged publications a follower never
/// got, publications a follower got twice, <c>unrecoverable</c> notices, epochs beyond a channel's first, and how long
/// a node took to stop and to be back.
/// </summary>
public static class RollingRestart
{
    private static readonly AutoReconnectOptions QuickReconnect = new()
    {
        InitialDelay = TimeSpan.FromMilliseconds(200), Randomness = TimeSpan.FromMilliseconds(200), MaxDelay = TimeSpan.FromSeconds(1),
    };

    /// <summary>Followers' lists are copied to be checked: often enough for a wait of seconds.</summary>
    private static readonly TimeSpan FollowersPolledEvery = TimeSpan.FromMilliseconds(100);

    private sealed record Numbered(int N);

    public static async Task<List<Figure>> Run(int count, BenchSize size, TextWriter log)
    {
        var scenario = $"rolling restart, {count} nodes";
        var channels = Enumerable.Range(0, size.IsTiny ? 4 : 20).Select(i => $"hist/roll-{Guid.NewGuid():N}-{i}").ToArray();
        var httpPorts = Enumerable.Range(0, count).Select(_ => BenchRunner.FreeTcpPort()).ToArray();
        var clusterPorts = Enumerable.Range(0, count).Select(_ => BenchRunner.FreeTcpPort()).ToArray();
        string[] Args(int i) =>
        [
            // The history events (a copy continued, a replica switched, an epoch forked, a recovery asked again), to explain a loss.
            "--Logging:LogLevel:AGServer=Information",
            "--port", httpPorts[i].ToString(CultureInfo.InvariantCulture), "--cluster-port", clusterPorts[i].ToString(CultureInfo.InvariantCulture),
            .. clusterPorts.SelectMany(port => new[] { "--seed", $"127.0.0.1:{port}" }),
        ];

        var nodes = (await Task.WhenAll(Enumerable.Range(0, count).Select(i => ServerProcess.StartAGServer(Args(i))))).ToList();
        var followers = new List<Follower>();
        var outputs = new Dictionary<string, string>();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            foreach (var node in nodes) await ClusterScaling.WaitUntilUp(http, node, count, scenario);
            for (var i = 0; i < count; i++) followers.Add(await Follower.Start(nodes[i].Url, channels));
            await using var publisher = new Publisher(nodes[count > 1 ? 1 : 0].Url, channels, TimeSpan.FromMilliseconds(250));
            await publisher.StartAsync();
            await EveryFollowerGetsMore(followers, channels[0], 3, scenario);

            var stopTimes = new List<double>();
            var backTimes = new List<double>();
            for (var i = 0; i < count; i++)
            {
                var clock = Stopwatch.StartNew();
                var roundAtStop = publisher.Round;
                await nodes[i].TerminateAsync();
                stopTimes.Add(clock.Elapsed.TotalMilliseconds);
                clock.Restart();
                outputs.Add($"node {i} before its restart", nodes[i].Output);
                nodes[i] = await ServerProcess.StartAGServer(Args(i));
                await ClusterScaling.WaitUntilUp(http, nodes[i], count, scenario);
                backTimes.Add(clock.Elapsed.TotalMilliseconds);
                log.WriteLine($"[{scenario}] node {i}: stopped in {stopTimes[^1]:F0} ms, Up among {count} {backTimes[^1]:F0} ms after its start " +
                              $"(rounds {roundAtStop}-{publisher.Round})");
                // Publishing reaches every follower again before the next node goes.
                await EveryFollowerGetsMore(followers, channels[0], 3, scenario);
            }

            var (rounds, failed) = await publisher.StopAsync();
            // Every follower has each channel's last acknowledged publication, or a minute passed (what is missing is counted).
            var lastAcknowledged = channels.ToDictionary(c => c, c => Enumerable.Range(0, rounds).LastOrDefault(n => !failed.ContainsKey((c, n)), -1));
            try
            {
                await Scenarios.Until(() => followers.All(f => channels.All(c => lastAcknowledged[c] < 0 || f.Got(c).Contains(lastAcknowledged[c]))),
                    TimeSpan.FromMinutes(1), "every follower to get the last acknowledged publications", FollowersPolledEvery);
            }
            catch (TimeoutException)
            {
            }

            for (var j = 0; j < nodes.Count; j++) outputs[$"node {j}"] = nodes[j].Output;
            long lost = 0, twice = 0, extraEpochs = 0;
            for (var i = 0; i < followers.Count; i++)
                foreach (var channel in channels)
                {
                    var follower = followers[i];
                    var got = follower.Got(channel);
                    var missed = Enumerable.Range(0, rounds).Where(n => !failed.ContainsKey((channel, n)) && !got.Contains(n)).ToList();
                    if (missed.Count > 0)
                    {
                        log.WriteLine($"[{scenario}] the follower on node {i} missed {missed.Count} on {channel}: {missed[0]}-{missed[^1]} (rounds; a round every 250 ms); the nodes on it:");
                        foreach (var (node, output) in outputs)
                            foreach (var line in output.Split('\n').Where(l => l.Contains(channel, StringComparison.Ordinal)))
                                log.WriteLine($"  {node}: {line.Trim()}");
                    }
                    lost += missed.Count;
                    twice += got.Count - got.Distinct().Count();
                    extraEpochs += Math.Max(0, follower.Epochs(channel) - 1);
                }
            var askedAgain = outputs.Values.Sum(output => output.Split('\n').Count(line => line.Contains("did not answer its recovery", StringComparison.Ordinal)));
            var errors = string.Join(", ", failed.Values.GroupBy(e => e).Select(g => $"{g.Count()} {g.Key}"));
            if (failed.Count > 0) log.WriteLine($"[{scenario}] rounds with a failed publish: {string.Join(", ", failed.Keys.Select(k => k.N).Distinct().Order())}");
            log.WriteLine($"[{scenario}] {rounds} rounds on {channels.Length} channels; failed publishes: {(errors.Length == 0 ? "none" : errors)}");
            return
            [
                new(scenario, "publications acknowledged (summed over the runs)", rounds * channels.Length - failed.Count, true, SummedOverRuns: true),
                new(scenario, "publishes that failed (summed over the runs; the client's own errors while its node restarted)", failed.Count, false, SummedOverRuns: true),
                new(scenario, "acknowledged publications a follower missed (summed over followers, channels and runs)", lost, false, SummedOverRuns: true),
                new(scenario, "publications a follower got twice (summed)", twice, false, SummedOverRuns: true),
                new(scenario, "unrecoverable notices (summed)", followers.Sum(f => f.Unrecoverable), false, SummedOverRuns: true),
                new(scenario, "recoveries asked again, the channel not answering within 10 s (log 3024, summed)", askedAgain, false, SummedOverRuns: true),
                new(scenario, "epochs beyond a channel's first (summed)", extraEpochs, false, SummedOverRuns: true),
                new(scenario, "ms from SIGTERM to exit, median", Report.Median(stopTimes), false),
                new(scenario, "ms from SIGTERM to exit, most", stopTimes.Max(), false),
                new(scenario, "ms from start to Up among all, median", Report.Median(backTimes), false),
                new(scenario, "ms from start to Up among all, most", backTimes.Max(), false),
            ];
        }
        finally
        {
            foreach (var follower in followers) await follower.DisposeAsync();
            foreach (var node in nodes) await node.DisposeAsync();
        }
    }

    private static Task EveryFollowerGetsMore(List<Follower> followers, string channel, int more, string scenario)
    {
        var targets = followers.Select(f => (Follower: f, Count: f.Got(channel).Count + more)).ToList();
        return Scenarios.Until(() => targets.All(t => t.Follower.Got(channel).Count >= t.Count), TimeSpan.FromMinutes(1),
            $"{scenario}: every follower to get {more} more publications", FollowersPolledEvery);
    }

    /// <summary>One client on one node following every channel with recovery: what each channel delivered, in order.</summary>
    private sealed class Follower : IAsyncDisposable
    {
        private readonly AGClientSocket _socket;
        private readonly CancellationTokenSource _stop = new();
        private readonly ConcurrentDictionary<string, List<int>> _got = new();
        private readonly ConcurrentDictionary<string, HashSet<string>> _epochs = new();
        private readonly List<Task> _readers = [];
        private int _unrecoverable;

        private Follower(Uri url) =>
            _socket = new AGClientSocket(new AGClientOptions { Uri = url, AutoReconnectOptions = QuickReconnect });

        public int Unrecoverable => Volatile.Read(ref _unrecoverable);

        public static async Task<Follower> Start(Uri url, string[] channels)
        {
            var follower = new Follower(url);
            await follower._socket.ConnectAsync();
            foreach (var name in channels)
            {
                var channel = follower._socket.SubscribeWithRecovery(name);
                channel.Unrecoverable += (_, _) => Interlocked.Increment(ref follower._unrecoverable);
                follower._got[name] = [];
                follower._epochs[name] = [];
                await channel.WhenSubscribedAsync();
                follower._readers.Add(follower.Read(channel));
            }
            return follower;
        }

        private async Task Read(AGClientChannel channel)
        {
            try
            {
                await foreach (var item in channel.ListenAsync<Numbered>(_stop.Token))
                {
                    lock (_got[channel.Name]) _got[channel.Name].Add(item!.N);
                    lock (_epochs[channel.Name]) _epochs[channel.Name].Add(channel.Position!.Value.Epoch);
                }
            }
            catch (OperationCanceledException)
            {
            }
        }

        public List<int> Got(string channel)
        {
            lock (_got[channel]) return [.. _got[channel]];
        }

        public int Epochs(string channel)
        {
            lock (_epochs[channel]) return _epochs[channel].Count;
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await Task.WhenAll(_readers);
            await _socket.DisposeAsync();
            _stop.Dispose();
        }
    }

    /// <summary>One client publishing <c>{n}</c> on every channel each round (acknowledged publishes), a round each interval.</summary>
    private sealed class Publisher(Uri url, string[] channels, TimeSpan interval) : IAsyncDisposable
    {
        private readonly AGClientSocket _socket = new(new AGClientOptions { Uri = url, AutoReconnectOptions = QuickReconnect });
        private readonly CancellationTokenSource _stop = new();
        private readonly ConcurrentDictionary<(string Channel, int N), string> _failed = new();
        private Task<int>? _loop;
        private int _round;

        /// <summary>The round being sent.</summary>
        public int Round => Volatile.Read(ref _round);

        public async Task StartAsync()
        {
            await _socket.ConnectAsync();
            _loop = Loop();
        }

        private async Task<int> Loop()
        {
            var round = 0;
            while (!_stop.IsCancellationRequested)
            {
                var n = round++;
                Volatile.Write(ref _round, n);
                await Task.WhenAll(channels.Select(async channel =>
                {
                    try
                    {
                        await _socket.InvokePublishAsync(channel, new { n });
                    }
                    catch (Exception error)
                    {
                        _failed[(channel, n)] = error is AGClientError clientError ? clientError.Name : error.GetType().Name;
                    }
                }));
                try
                {
                    await Task.Delay(interval, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }
            return round;
        }

        /// <summary>Stops after the round in progress: the rounds sent and the publishes that failed, with their errors' names.</summary>
        public async Task<(int Rounds, IReadOnlyDictionary<(string Channel, int N), string> Failed)> StopAsync()
        {
            await _stop.CancelAsync();
            return (await _loop!, _failed);
        }

        public async ValueTask DisposeAsync()
        {
            if (!_stop.IsCancellationRequested) await _stop.CancelAsync();
            if (_loop is not null) await _loop;
            await _socket.DisposeAsync();
            _stop.Dispose();
        }
    }
}
