using AGServer.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using AGServer.Channels;
using Microsoft.Extensions.Logging;

namespace AGServer.Hosting;

/// <summary>
/// Decides when the first seed may form a cluster. Akka lets the first listed seed form a new cluster when none of the
/// other seeds answers within <c>seed-node-timeout</c> (5 s): a first seed that (re)starts while it cannot reach the
/// others (a partition, a slow network) would form a second cluster beside theirs and report ready. A first seed that
/// remembers members (in its data directory, <see cref="KnownMembers"/>) therefore leaves itself out of its seed
/// list, so Akka only ever joins an existing cluster through the others, and this actor forms one only when a majority
/// of the nodes it asks (itself included) answer and none of them is in a cluster (a restart of every node), the same
/// for <see cref="StableRounds"/> rounds in a row.
/// While it waits the node is not ready. A node is "in a cluster" once its <see cref="MemberMarker"/> actor exists.
/// </summary>
internal sealed class FirstSeedFormation : ReceiveActor, IWithTimers
{
    /// <summary>The actor every node creates once it is up in a cluster; a probe that finds it knows so.</summary>
    public const string MemberMarker = "agserver-member";

    private const int StableRounds = 3;
    private static readonly TimeSpan Round = TimeSpan.FromSeconds(1);

    private sealed record Tick
    {
        public static readonly Tick Instance = new();
    }

    private readonly Address[] _others;
    private readonly ILogger _logger;
    private readonly HashSet<Address> _reached = new();
    private readonly HashSet<Address> _members = new();
    private int _round;
    private int _stable;
    private string? _lastReport;

    public FirstSeedFormation(IEnumerable<Address> others, ILogger logger)
    {
        _others = others.Distinct().ToArray();
        _logger = logger;
        Receive<Tick>(_ => OnTick());
        Receive<ActorIdentity>(identity =>
        {
            // The id (an int: it crosses the wire) says which round, node and path the answer is for.
            if (identity.MessageId is not int id || identity.Subject is null) return;
            var (round, index, marker) = (id / 2 / _others.Length, id / 2 % _others.Length, id % 2 == 1);
            if (round != _round) return;
            _reached.Add(_others[index]);
            if (marker) _members.Add(_others[index]);
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IEnumerable<Address> others, ILogger logger) => Akka.Actor.Props.Create(() => new FirstSeedFormation(others, logger));

    protected override void PreStart()
    {
        Timers.StartPeriodicTimer(Tick.Instance, Tick.Instance, TimeSpan.Zero, Round);
    }

    private void OnTick()
    {
        var cluster = Cluster.Get(Context.System);
        if (cluster.SelfMember.Status != MemberStatus.Removed && cluster.State.Members.Any(m => m.Address == cluster.SelfAddress))
        {
            Context.Stop(Self); // joined (through the others, or formed): nothing left to decide
            return;
        }
        if (_round > 0) Decide(cluster);
        _round++;
        _reached.Clear();
        _members.Clear();
        for (var index = 0; index < _others.Length; index++)
        {
            var node = new RootActorPath(_others[index]) / "user";
            var id = (_round * _others.Length + index) * 2;
            // The broker exists from the start on every node: an answer means the node runs and is reachable.
            Context.ActorSelection(node / NodeBroker.Name).Tell(new Identify(id));
            Context.ActorSelection(node / MemberMarker).Tell(new Identify(id + 1));
        }
    }

    private void Decide(Cluster cluster)
    {
        var majority = (_others.Length + 1) / 2 + 1;
        var canForm = _members.Count == 0 && _reached.Count + 1 >= majority;
        _stable = canForm ? _stable + 1 : 0;
        var report = $"{_reached.Count}/{_others.Length}/{_members.Count}";
        if (report != _lastReport)
        {
            _lastReport = report;
            ServerLog.FirstSeedWaiting(_logger, _reached.Count, _others.Length, _members.Count);
        }
        if (_stable < StableRounds) return;
        ServerLog.FirstSeedForming(_logger, _reached.Count, _others.Length);
        cluster.Join(cluster.SelfAddress);
        Context.Stop(Self);
    }
}
