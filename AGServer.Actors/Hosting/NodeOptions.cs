using Microsoft.Extensions.Configuration;

namespace AGServer.Hosting;

/// <summary>
/// Where a node listens and which cluster it joins: fixed seeds, or other nodes found through Akka.Discovery. From
/// the command line (<c>--port</c>, <c>--cluster-port</c>, <c>--hostname</c>, <c>--seed</c> repeatable or
/// comma-separated, <c>--discovery</c>, <c>--contact-point</c> repeatable, <c>--required-contact-points</c>,
/// <c>--service-name</c>, <c>--data-dir</c>, <c>--history-journal</c>, <c>--history-connection</c>) or the environment (<c>AGSERVER_PORT</c>, <c>AGSERVER_CLUSTER_PORT</c>,
/// <c>AGSERVER_HOSTNAME</c>, <c>AGSERVER_SEEDS</c>, <c>AGSERVER_DISCOVERY</c>, <c>AGSERVER_CONTACT_POINTS</c>,
/// <c>AGSERVER_REQUIRED_CONTACT_POINTS</c>, <c>AGSERVER_SERVICE_NAME</c>, <c>AGSERVER_DATA_DIR</c>,
/// <c>AGSERVER_HISTORY_JOURNAL</c>, <c>AGSERVER_HISTORY_CONNECTION</c>; lists comma-separated);
/// the command line wins.
/// </summary>
public sealed record NodeOptions
{
    public const int DefaultHttpPort = 8000;
    public const string ActorSystemName = "agserver";

    /// <summary>
    /// The HTTP port for WebSockets and /health; 0 picks a free one. Null when not given: AGServer.Node's <c>AGServerApp</c>
    /// then listens on <see cref="DefaultHttpPort"/>, and an application of its own keeps its own URLs.
    /// </summary>
    public int? HttpPort { get; init; }

    /// <summary>The Akka.Remote port; 0 picks a free one (fine for a single node).</summary>
    public int ClusterPort { get; init; }

    /// <summary>The address other nodes reach this one at.</summary>
    public string Hostname { get; init; } = "127.0.0.1";

    /// <summary>Seed nodes as full Akka addresses. Empty (and no <see cref="Discovery"/>): the node forms a cluster of its own.</summary>
    public IReadOnlyList<string> Seeds { get; init; } = [];

    /// <summary>
    /// The Akka.Discovery method that finds the other nodes' HTTP endpoints when there are no seeds: <c>config</c> (the
    /// <see cref="ContactPoints"/>), <c>dns</c> (the A records of <see cref="ServiceName"/>, e.g. a Kubernetes headless
    /// service; probed on this node's HTTP port), or any method configured in HOCON. Null: no discovery.
    /// </summary>
    public string? Discovery { get; init; }

    /// <summary>The service name looked up through <see cref="Discovery"/>.</summary>
    public string ServiceName { get; init; } = "agserver";

    /// <summary>The nodes' HTTP endpoints (<c>host:port</c>) for the <c>config</c> discovery method.</summary>
    public IReadOnlyList<string> ContactPoints { get; init; } = [];

    /// <summary>How many nodes must be found (and answer) before the first of them forms a new cluster.</summary>
    public int RequiredContactPoints { get; init; } = 2;

    /// <summary>
    /// Where the node keeps what must outlive a restart of every node at once (revocations and blocks, as files under
    /// <c>ddata/</c>); one directory per node. Null (the default): kept in memory, and on the other nodes.
    /// </summary>
    public string? DataDirectory { get; init; }

    /// <summary>
    /// Where channel histories are written so they survive a restart of every node (Akka.Persistence.Sql):
    /// <see cref="HistoryJournalKind.None"/> (the default: in memory, on two nodes), <see cref="HistoryJournalKind.Sqlite"/>
    /// (one node; the file <c>history.db</c> in <see cref="DataDirectory"/> unless <see cref="HistoryConnection"/> says
    /// otherwise) or <see cref="HistoryJournalKind.PostgreSql"/> (a cluster; <see cref="HistoryConnection"/> required).
    /// It is also the Akka.Persistence journal an application's persistent actors use.
    /// </summary>
    public HistoryJournalKind HistoryJournal { get; init; }

    /// <summary>The journal's ADO.NET connection string.</summary>
    public string? HistoryConnection { get; init; }

    /// <summary>From command-line arguments, over the environment (<paramref name="environment"/>, or the process's).</summary>
    public static NodeOptions FromArgs(string[] args, IConfiguration? environment = null)
    {
        var values = FromEnvironment(name => environment?[name] ?? Environment.GetEnvironmentVariable(name));
        var argSeeds = new List<string>();
        var argContactPoints = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            var (name, value) = SplitArg(args, ref i);
            switch (name)
            {
                case "--port": values.Port = value; break;
                case "--cluster-port": values.ClusterPort = value; break;
                case "--hostname": values.Hostname = value; break;
                case "--seed": argSeeds.AddRange(SplitList(value ?? throw Bad("--seed needs HOST:PORT or an Akka address"))); break;
                case "--discovery": values.Discovery = value; break;
                case "--contact-point": argContactPoints.AddRange(SplitList(value ?? throw Bad("--contact-point needs HOST:PORT (a node's HTTP endpoint)"))); break;
                case "--required-contact-points": values.RequiredContactPoints = value; break;
                case "--service-name": values.ServiceName = value; break;
                case "--data-dir": values.DataDirectory = value ?? throw Bad("--data-dir needs a directory"); break;
                case "--history-journal": values.HistoryJournal = value ?? throw Bad("--history-journal needs none, sqlite or postgresql"); break;
                case "--history-connection": values.HistoryConnection = value ?? throw Bad("--history-connection needs a connection string"); break;
            }
        }
        if (argSeeds.Count > 0) values.Seeds = argSeeds;
        if (argContactPoints.Count > 0) values.ContactPoints = argContactPoints;
        return values.Parse();
    }

    /// <summary>
    /// From an application's configuration: the keys <c>port</c>, <c>cluster-port</c>, <c>hostname</c> and <c>seed</c>
    /// (comma-separated), as the command-line provider gives <c>--port 9000</c>, over the <c>AGSERVER_*</c> variables.
    /// </summary>
    public static NodeOptions FromConfiguration(IConfiguration configuration)
    {
        var values = FromEnvironment(name => configuration[name] ?? Environment.GetEnvironmentVariable(name));
        values.Port = configuration["port"] ?? values.Port;
        values.ClusterPort = configuration["cluster-port"] ?? values.ClusterPort;
        values.Hostname = configuration["hostname"] ?? values.Hostname;
        if (configuration["seed"] is { } seeds) values.Seeds = SplitList(seeds);
        values.Discovery = configuration["discovery"] ?? values.Discovery;
        if (configuration["contact-point"] is { } contactPoints) values.ContactPoints = SplitList(contactPoints);
        values.RequiredContactPoints = configuration["required-contact-points"] ?? values.RequiredContactPoints;
        values.ServiceName = configuration["service-name"] ?? values.ServiceName;
        values.DataDirectory = configuration["data-dir"] ?? values.DataDirectory;
        values.HistoryJournal = configuration["history-journal"] ?? values.HistoryJournal;
        values.HistoryConnection = configuration["history-connection"] ?? values.HistoryConnection;
        return values.Parse();
    }

    /// <summary>A seed as given (a full <c>akka.tcp://agserver@host:port</c> address) or as <c>HOST:PORT</c>.</summary>
    public static string ToAddress(string seed, string defaultHost)
    {
        if (seed.Contains("://")) return seed;
        var colon = seed.LastIndexOf(':');
        if (colon < 0) throw Bad($"Seed '{seed}' must be HOST:PORT or an Akka address such as akka.tcp://{ActorSystemName}@host:4053");
        var host = colon == 0 ? defaultHost : seed[..colon];
        ParsePort("--seed", seed[(colon + 1)..]);
        return $"akka.tcp://{ActorSystemName}@{host}:{seed[(colon + 1)..]}";
    }

    /// <summary>The options as text, before parsing.</summary>
    private sealed class Values
    {
        public string? Port;
        public string? ClusterPort;
        public string? Hostname;
        public IReadOnlyList<string> Seeds = [];
        public string? Discovery;
        public IReadOnlyList<string> ContactPoints = [];
        public string? RequiredContactPoints;
        public string? ServiceName;
        public string? DataDirectory;
        public string? HistoryJournal;
        public string? HistoryConnection;

        public NodeOptions Parse()
        {
            var journal = HistoryJournal?.Trim().ToLowerInvariant() switch
            {
                null or "" or "none" => HistoryJournalKind.None,
                "sqlite" => HistoryJournalKind.Sqlite,
                "postgresql" or "postgres" => HistoryJournalKind.PostgreSql,
                _ => throw Bad($"--history-journal must be none, sqlite or postgresql (got '{HistoryJournal}')"),
            };
            var connection = string.IsNullOrWhiteSpace(HistoryConnection) ? null : HistoryConnection;
            if (journal == HistoryJournalKind.Sqlite && connection is null && string.IsNullOrWhiteSpace(DataDirectory))
                throw Bad("--history-journal sqlite needs --data-dir (the file history.db goes there) or --history-connection \"Data Source=FILE\"");
            if (journal == HistoryJournalKind.PostgreSql && connection is null)
                throw Bad("--history-journal postgresql needs --history-connection \"Host=...;Database=...;Username=...\"");
            var hostname = string.IsNullOrWhiteSpace(Hostname) ? new NodeOptions().Hostname : Hostname;
            var discovery = string.IsNullOrWhiteSpace(Discovery) ? ContactPoints.Count > 0 ? "config" : null : Discovery;
            if (discovery is not null && Seeds.Count > 0)
                throw Bad("Give either --seed (fixed seed nodes) or --discovery / --contact-point (find the nodes), not both");
            if (discovery == "config" && ContactPoints.Count == 0)
                throw Bad("--discovery config needs the nodes' HTTP endpoints: --contact-point HOST:PORT (repeatable)");
            foreach (var contactPoint in ContactPoints)
                if (contactPoint.LastIndexOf(':') <= 0 || !int.TryParse(contactPoint[(contactPoint.LastIndexOf(':') + 1)..], out _))
                    throw Bad($"--contact-point must be HOST:PORT, a node's HTTP endpoint (got '{contactPoint}')");
            var required = 2;
            if (RequiredContactPoints is not null && (!int.TryParse(RequiredContactPoints, out required) || required < 1))
                throw Bad($"--required-contact-points must be a number of nodes, 1 or more (got '{RequiredContactPoints}')");
            return new NodeOptions
            {
                HttpPort = Port is null ? null : ParsePort("--port", Port),
                ClusterPort = ClusterPort is null ? 0 : ParsePort("--cluster-port", ClusterPort),
                Hostname = hostname,
                Seeds = Seeds.Select(s => ToAddress(s, hostname)).ToArray(),
                Discovery = discovery,
                ContactPoints = ContactPoints.ToArray(),
                RequiredContactPoints = required,
                ServiceName = string.IsNullOrWhiteSpace(ServiceName) ? new NodeOptions().ServiceName : ServiceName,
                DataDirectory = string.IsNullOrWhiteSpace(DataDirectory) ? null : Path.GetFullPath(DataDirectory),
                HistoryJournal = journal,
                HistoryConnection = connection ?? (journal == HistoryJournalKind.Sqlite
                    ? $"Data Source={Path.Combine(Path.GetFullPath(DataDirectory!), "history.db")}"
                    : null),
            };
        }
    }

    private static Values FromEnvironment(Func<string, string?> env) => new()
    {
        Port = env("AGSERVER_PORT"),
        ClusterPort = env("AGSERVER_CLUSTER_PORT"),
        Hostname = env("AGSERVER_HOSTNAME"),
        Seeds = SplitList(env("AGSERVER_SEEDS") ?? ""),
        Discovery = env("AGSERVER_DISCOVERY"),
        ContactPoints = SplitList(env("AGSERVER_CONTACT_POINTS") ?? ""),
        RequiredContactPoints = env("AGSERVER_REQUIRED_CONTACT_POINTS"),
        ServiceName = env("AGSERVER_SERVICE_NAME"),
        DataDirectory = env("AGSERVER_DATA_DIR"),
        HistoryJournal = env("AGSERVER_HISTORY_JOURNAL"),
        HistoryConnection = env("AGSERVER_HISTORY_CONNECTION"),
    };

    /// <summary>
    /// This node's Akka settings (cluster.hocon with this node's hostname, cluster port and seeds) for an actor system
    /// made without Akka.Hosting, e.g. <c>ActorSystem.Create(NodeOptions.ActorSystemName, node.ToAkkaConfig())</c>;
    /// with Akka.Hosting, <see cref="AGServerHostingExtensions.WithAGServer"/> adds the same.
    /// </summary>
    public Akka.Configuration.Config ToAkkaConfig() => AkkaConfig.For(this);

    private static string[] SplitList(string list) =>
        list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static (string Name, string? Value) SplitArg(string[] args, ref int i)
    {
        var arg = args[i];
        var equals = arg.IndexOf('=');
        if (arg.StartsWith("--") && equals > 0) return (arg[..equals], arg[(equals + 1)..]);
        if (arg.StartsWith("--") && i + 1 < args.Length && !args[i + 1].StartsWith("--")) return (arg, args[++i]);
        return (arg, null);
    }

    private static int ParsePort(string option, string value) =>
        int.TryParse(value, out var port) && port is >= 0 and <= 65535
            ? port
            : throw Bad($"{option} must be a port number from 0 to 65535 (got '{value}')");

    private static ArgumentException Bad(string message) => new(message);
}

/// <summary>Where channel histories are written (<see cref="NodeOptions.HistoryJournal"/>).</summary>
public enum HistoryJournalKind
{
    /// <summary>Nowhere: in memory, on the entity's node and its replica.</summary>
    None,

    /// <summary>A SQLite file: for one node.</summary>
    Sqlite,

    /// <summary>A PostgreSQL database every node reaches: for a cluster.</summary>
    PostgreSql,
}
