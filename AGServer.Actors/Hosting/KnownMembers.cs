using Akka.Actor;
using Akka.Cluster;

namespace AGServer.Hosting;

/// <summary>
/// The cluster's members, remembered in the node's data directory (<c>members</c>, one address a line) so that a
/// restarted node asks them before anything else: with fixed seeds, they are added after the configured ones. A
/// restarted first seed (the README's one-seed recipe) then joins the running cluster instead of forming a second one
/// alone, and forms one only by <see cref="FirstSeedFormation"/>'s rule (a majority of the remembered nodes answer, none
/// in a cluster), never because the others did not answer in time. Without a data directory nothing is remembered
/// (Akka's own seed rules apply).
/// </summary>
internal sealed class KnownMembers : ReceiveActor
{
    private const string FileName = "members";

    /// <summary>The members remembered in <paramref name="dataDirectory"/>; none when nothing was written yet.</summary>
    public static string[] Load(string dataDirectory)
    {
        var file = Path.Combine(dataDirectory, FileName);
        return File.Exists(file) ? File.ReadAllLines(file).Where(line => line.Contains("://")).ToArray() : [];
    }

    /// <summary>
    /// The configured seeds, then the remembered members that are neither one of them nor this node. A first seed that
    /// remembers members leaves itself out (see <see cref="GuardsFirstSeed"/>).
    /// </summary>
    public static IReadOnlyList<string> SeedsWithRemembered(NodeOptions node)
    {
        if (node.Seeds.Count == 0) return node.Seeds;
        var self = SelfAddress(node);
        var remembered = node.DataDirectory is { } dir ? Load(dir).Where(member => member != self && !node.Seeds.Contains(member)) : [];
        var seeds = node.Seeds.Concat(remembered).ToArray();
        return GuardsFirstSeed(node) ? seeds.Where(seed => seed != self).ToArray() : seeds;
    }

    /// <summary>
    /// This node is the first seed and remembers other members: a cluster existed, so it must not form one alone after
    /// Akka's seed-node-timeout, which it would while it cannot reach them; <see cref="FirstSeedFormation"/> decides.
    /// A first seed that remembers no one (the cluster's first start) follows Akka's rule, so a node started alone
    /// still forms its cluster.
    /// </summary>
    public static bool GuardsFirstSeed(NodeOptions node)
    {
        if (node.Seeds.Count == 0 || node.DataDirectory is not { } dir) return false;
        var self = SelfAddress(node);
        return node.Seeds[0] == self && Load(dir).Any(member => member != self);
    }

    private static string SelfAddress(NodeOptions node) => NodeOptions.ToAddress($"{node.Hostname}:{node.ClusterPort}", node.Hostname);

    public static Props Props(string dataDirectory) => Akka.Actor.Props.Create(() => new KnownMembers(dataDirectory));

    private readonly string _dataDirectory;

    public KnownMembers(string dataDirectory)
    {
        _dataDirectory = dataDirectory;
        Receive<ClusterEvent.IMemberEvent>(_ => Write());
        Receive<ClusterEvent.CurrentClusterState>(_ => Write());
    }

    protected override void PreStart() =>
        Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot, typeof(ClusterEvent.IMemberEvent));

    protected override void PostStop() => Cluster.Get(Context.System).Unsubscribe(Self);

    /// <summary>Every member not removed, written whole (a temporary file moved over the old one: never half a list).</summary>
    private void Write()
    {
        var members = Cluster.Get(Context.System).State.Members
            .Where(m => m.Status is not (MemberStatus.Removed or MemberStatus.Down))
            .Select(m => m.Address.ToString())
            .ToArray();
        if (members.Length == 0) return;
        Directory.CreateDirectory(_dataDirectory);
        var file = Path.Combine(_dataDirectory, FileName);
        var temporary = file + ".tmp";
        File.WriteAllLines(temporary, members);
        File.Move(temporary, file, overwrite: true);
    }
}
