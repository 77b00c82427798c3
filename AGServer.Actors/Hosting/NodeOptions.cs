using Microsoft.Extensions.Configuration;

namespace AGServer.Hosting;

/// <summary>How a node finds the other nodes of its cluster.</summary>
public enum NodeDiscovery
{
    /// <summary>Seed nodes (<c>--seed</c>), or none: the node forms a cluster of its own.</summary>
    None,

    /// <summary>A fixed list of the nodes' management endpoints (<c>--discovery-endpoints</c>): static hosts, tests.</summary>
    Config,

    /// <summary>Pods found through the Kubernetes API by label (<c>app=</c> the service name); see deploy/kubernetes.</summary>
    Kubernetes,
}

/// <summary>
/// Where a node listens and which cluster it joins. From the command line (<c>--port</c>, <c>--cluster-port</c>,
/// <c>--hostname</c>, <c>--seed</c> repeatable or comma-separated, <c>--discovery</c>, <c>--management-port</c>,
/// <c>--discovery-endpoints</c>, <c>--service-name</c>, <c>--required-contact-points</c>) or the environment
/// (<c>AGSERVER_PORT</c>, <c>AGSERVER_CLUSTER_PORT</c>, <c>AGSERVER_HOSTNAME</c>, <c>AGSERVER_SEEDS</c>,
/// <c>AGSERVER_DISCOVERY</c>, <c>AGSERVER_MANAGEMENT_PORT</c>, <c>AGSERVER_DISCOVERY_ENDPOINTS</c>,
/// <c>AGSERVER_SERVICE_NAME</c>, <c>AGSERVER_REQUIRED_CONTACT_POINTS</c>); the command line wins.
/// </summary>
public sealed record NodeOptions
{
    public const int DefaultHttpPort = 8000;
    public const string ActorSystemName = "agserver";

    /// <summary>
    /// The HTTP port for WebSockets and /health; 0 picks a free one. Null when not given: <see cref="AGServerApp"/>
    /// then listens on <see cref="DefaultHttpPort"/>, and an application of its own keeps its own URLs.
    /// </summary>
    public int? HttpPort { get; init; }

    /// <summary>The Akka.Remote port; 0 picks a free one (fine for a single node).</summary>
    public int ClusterPort { get; init; }

    /// <summary>The address other nodes reach this one at.</summary>
    public string Hostname { get; init; } = "127.0.0.1";

    /// <summary>Seed nodes as full Akka addresses. Empty: the node forms a cluster of its own (unless it discovers one).</summary>
    public IReadOnlyList<string> Seeds { get; init; } = [];

    /// <summary>
    /// How the node finds the others without seeds: Akka.Management's cluster bootstrap over a discovery method. The
    /// nodes probe each other's management endpoint; once <see cref="RequiredContactPoints"/> are found and stable, the
    /// one with the lowest address forms the cluster and the others join it.
    /// </summary>
    public NodeDiscovery Discovery { get; init; } = NodeDiscovery.None;

    /// <summary>The HTTP port of the node's Akka.Management endpoint (cluster bootstrap probes it). Default 8558.</summary>
    public int ManagementPort { get; init; } = DefaultManagementPort;

    public const int DefaultManagementPort = 8558;

    /// <summary>For <see cref="NodeDiscovery.Config"/>: every node's management endpoint, <c>host:port</c>.</summary>
    public IReadOnlyList<string> DiscoveryEndpoints { get; init; } = [];

    /// <summary>The service the nodes form (Kubernetes: pods labelled <c>app=</c> this). Default <c>agserver</c>.</summary>
    public string ServiceName { get; init; } = ActorSystemName;

    /// <summary>How many nodes must be found before a new cluster is formed. Default 2.</summary>
    public int RequiredContactPoints { get; init; } = 2;

    /// <summary>From command-line arguments, over the environment (<paramref name="environment"/>, or the process's).</summary>
    public static NodeOptions FromArgs(string[] args, IConfiguration? environment = null)
    {
        var values = FromEnvironment(name => environment?[name] ?? Environment.GetEnvironmentVariable(name));
        var argSeeds = new List<string>();
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
                case "--management-port": values.ManagementPort = value; break;
                case "--discovery-endpoints": values.DiscoveryEndpoints = SplitList(value ?? ""); break;
                case "--service-name": values.ServiceName = value; break;
                case "--required-contact-points": values.RequiredContactPoints = value; break;
            }
        }
        if (argSeeds.Count > 0) values.Seeds = argSeeds;
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
        values.ManagementPort = configuration["management-port"] ?? values.ManagementPort;
        if (configuration["discovery-endpoints"] is { } endpoints) values.DiscoveryEndpoints = SplitList(endpoints);
        values.ServiceName = configuration["service-name"] ?? values.ServiceName;
        values.RequiredContactPoints = configuration["required-contact-points"] ?? values.RequiredContactPoints;
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
        public string? ManagementPort;
        public IReadOnlyList<string> DiscoveryEndpoints = [];
        public string? ServiceName;
        public string? RequiredContactPoints;

        public NodeOptions Parse()
        {
            var hostname = string.IsNullOrWhiteSpace(Hostname) ? new NodeOptions().Hostname : Hostname;
            var discovery = Discovery is null ? NodeDiscovery.None
                : Enum.TryParse<NodeDiscovery>(Discovery, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) ? parsed
                : throw Bad($"--discovery must be none, config or kubernetes (got '{Discovery}')");
            var options = new NodeOptions
            {
                HttpPort = Port is null ? null : ParsePort("--port", Port),
                ClusterPort = ClusterPort is null ? 0 : ParsePort("--cluster-port", ClusterPort),
                Hostname = hostname,
                Seeds = Seeds.Select(s => ToAddress(s, hostname)).ToArray(),
                Discovery = discovery,
                ManagementPort = ManagementPort is null ? DefaultManagementPort : ParsePort("--management-port", ManagementPort),
                DiscoveryEndpoints = DiscoveryEndpoints,
                ServiceName = string.IsNullOrWhiteSpace(ServiceName) ? ActorSystemName : ServiceName,
                RequiredContactPoints = RequiredContactPoints is null ? 2
                    : int.TryParse(RequiredContactPoints, out var required) && required >= 1 ? required
                    : throw Bad($"--required-contact-points must be 1 or more (got '{RequiredContactPoints}')"),
            };
            if (options.Discovery != NodeDiscovery.None && options.Seeds.Count > 0)
                throw Bad("Give either --seed or --discovery, not both: seeds join a known cluster, discovery forms one");
            if (options.Discovery == NodeDiscovery.Config && options.DiscoveryEndpoints.Count == 0)
                throw Bad("--discovery config needs --discovery-endpoints: every node's management endpoint as host:port, comma-separated");
            foreach (var endpoint in options.DiscoveryEndpoints)
                if (endpoint.LastIndexOf(':') is var colon && (colon <= 0 || !int.TryParse(endpoint[(colon + 1)..], out _)))
                    throw Bad($"Discovery endpoint '{endpoint}' must be host:port (the node's management port)");
            return options;
        }
    }

    private static Values FromEnvironment(Func<string, string?> env) => new()
    {
        Port = env("AGSERVER_PORT"),
        ClusterPort = env("AGSERVER_CLUSTER_PORT"),
        Hostname = env("AGSERVER_HOSTNAME"),
        Seeds = SplitList(env("AGSERVER_SEEDS") ?? ""),
        Discovery = env("AGSERVER_DISCOVERY"),
        ManagementPort = env("AGSERVER_MANAGEMENT_PORT"),
        DiscoveryEndpoints = SplitList(env("AGSERVER_DISCOVERY_ENDPOINTS") ?? ""),
        ServiceName = env("AGSERVER_SERVICE_NAME"),
        RequiredContactPoints = env("AGSERVER_REQUIRED_CONTACT_POINTS"),
    };

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
