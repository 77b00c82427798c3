using AGServer.Client;
using AGServer.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AGServer.Tests.Client;

/// <summary>
/// AGServer.Client through a node restart: two Conformance processes in a cluster, a .NET client following a
/// <c>hist/</c> channel with recovery on the node that restarts, a .NET client publishing on the other. The follower
/// reconnects by itself to the restarted node and gets every acknowledged publication once, in order.
/// </summary>
public sealed class AGClientRestartSpec(ITestOutputHelper output)
{
    private const string Channel = "hist/client-restart";

    [Fact]
    public async Task A_follower_whose_node_restarts_reconnects_and_recovers_every_acknowledged_publication_once()
    {
        var httpPorts = new[] { FreePort.Next(), FreePort.Next() };
        var clusterPorts = new[] { FreePort.Next(), FreePort.Next() };
        string[] Args(int i) =>
            ["--port", httpPorts[i].ToString(), "--cluster-port", clusterPorts[i].ToString(),
             .. clusterPorts.SelectMany(port => new[] { "--seed", $"127.0.0.1:{port}" })];
        var nodes = new[] { await NodeProcess.Start(Args(0)), await NodeProcess.Start(Args(1)) };
        try
        {
            foreach (var node in nodes) await HistoryFollowers.Ready(node, members: 2);
            await using var publisher = new AGClientSocket(new AGClientOptions { Uri = Url(httpPorts[0]) });
            await publisher.ConnectAsync();
            await using var follower = new AGClientSocket(new AGClientOptions
            {
                Uri = Url(httpPorts[1]),
                AutoReconnectOptions = { InitialDelay = TimeSpan.FromMilliseconds(200), Randomness = TimeSpan.FromMilliseconds(200), MaxDelay = TimeSpan.FromSeconds(1) },
            });
            await follower.ConnectAsync();
            var unrecoverable = 0;
            var channel = follower.SubscribeWithRecovery(Channel);
            channel.Unrecoverable += (_, _) => Interlocked.Increment(ref unrecoverable);
            await channel.WhenSubscribedAsync().WaitAsync(TimeSpan.FromSeconds(10));
            var received = new Received();
            using var stop = new CancellationTokenSource();
            var reading = Task.Run(async () =>
            {
                await foreach (var n in channel.ListenAsync<int>().WithCancellation(stop.Token)) received.Add(n);
            });

            var acknowledged = new List<int>();
            var publishing = Task.Run(async () =>
            {
                for (var n = 1; !stop.IsCancellationRequested; n++)
                {
                    try
                    {
                        await publisher.InvokePublishAsync(Channel, n);
                        lock (acknowledged) acknowledged.Add(n);
                    }
                    catch (AGClientError error)
                    {
                        output.WriteLine($"publish {n}: {error}");
                    }
                    await Task.Delay(100, CancellationToken.None); // one publication every 100 ms
                }
            });
            await received.AtLeast(5);

            var reconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            follower.Connected += (_, _) => reconnected.TrySetResult();
            await nodes[1].Terminate();
            nodes[1] = await NodeProcess.Start(Args(1));
            await HistoryFollowers.Ready(nodes[1], members: 2);
            await reconnected.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await channel.WhenSubscribedAsync().WaitAsync(TimeSpan.FromSeconds(10));
            var afterRestart = received.Count;
            await received.AtLeast(afterRestart + 10);

            await stop.CancelAsync();
            await publishing;
            await reading.ContinueWith(_ => { });
            int[] got = received.All();
            int[] acked;
            lock (acknowledged) acked = [.. acknowledged];
            output.WriteLine($"received {got.Length} ({afterRestart} before the follower was back), acknowledged {acked.Length}");
            Assert.Equal(got.Distinct().Count(), got.Length);                        // nothing twice
            Assert.Equal(got.Order(), got);                                          // in order
            Assert.Empty(acked.Where(n => n <= got[^1]).Except(got));               // no acknowledged publication missed
            Assert.Equal(0, unrecoverable);
        }
        finally
        {
            foreach (var node in nodes) await node.DisposeAsync();
        }
    }

    private static Uri Url(int port) => new($"ws://localhost:{port}/socketcluster/");

    /// <summary>What the follower's reader took, with a wait for a count.</summary>
    private sealed class Received
    {
        private readonly List<int> _items = [];
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Count
        {
            get
            {
                lock (_items) return _items.Count;
            }
        }

        public void Add(int n)
        {
            TaskCompletionSource changed;
            lock (_items)
            {
                _items.Add(n);
                changed = _changed;
                _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            changed.TrySetResult();
        }

        public int[] All()
        {
            lock (_items) return [.. _items];
        }

        public async Task AtLeast(int count)
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (true)
            {
                Task changed;
                lock (_items)
                {
                    if (_items.Count >= count) return;
                    changed = _changed.Task;
                }
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero) throw new TimeoutException($"the follower took {Count} publications, not {count}");
                await changed.WaitAsync(left).ContinueWith(_ => { });
            }
        }
    }
}
