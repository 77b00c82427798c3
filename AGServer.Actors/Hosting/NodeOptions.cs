using Microsoft.Extensions.Configuration;

namespace AGServer.Hosting;

/// <summary>
/// Where a node listens and which cluster it joins. From the command line (<c>--port</c>, <c>--cluster-port</c>,
/// <c>--hostname</c>, <c>--seed</c> repeatable) or the environment (<c>AGSERVER_PORT</c>, <c>AGSERVER_CLUSTER_PORT</c>,
/// <c>AGSERVER_HOSTNAME</c>, <c>AGSERVER_SEEDS</c> comma-separated); the command line wins.
/// </summary>
public sealed record NodeOptions
{
    public const int DefaultHttpPort = 8000;
    public const string ActorSystemName = "agserver";

    /// <summary>The HTTP port for WebSockets and /health; 0 picks a free one.</summary>
    public int HttpPort { get; init; } = DefaultHttpPort;

    /// <summary>The Akka.Remote port; 0 picks a free one (fine for a single node).</summary>
    public int ClusterPort { get; init; }

    /// <summary>The address other nodes reach this one at.</summary>
    public string Hostname { get; init; } = "127.0.0.1";

    /// <summary>Seed nodes as full Akka addresses. Empty: the node forms a cluster of its own.</summary>
    public IReadOnlyList<string> Seeds { get; init; } = [];

    /// <summary>HOCON laid over cluster.hocon for this node (for example to tune the failure detector).</summary>
    public string? ExtraHocon { get; init; }

    public static NodeOptions FromArgs(string[] args, IConfiguration? environment = null)
    {
        var env = (string name) => environment?[name] ?? Environment.GetEnvironmentVariable(name);
        var options = new NodeOptions();
        var port = env("AGSERVER_PORT");
        var clusterPort = env("AGSERVER_CLUSTER_PORT");
        var hostname = env("AGSERVER_HOSTNAME");
        var seeds = (env("AGSERVER_SEEDS") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        var argSeeds = new List<string>();

        for (var i = 0; i < args.Length; i++)
        {
            var (name, value) = SplitArg(args, ref i);
            switch (name)
            {
                case "--port": port = value; break;
                case "--cluster-port": clusterPort = value; break;
                case "--hostname": hostname = value; break;
                case "--seed": argSeeds.Add(value ?? throw Bad("--seed needs HOST:PORT or an Akka address")); break;
            }
        }
        if (argSeeds.Count > 0) seeds = argSeeds;

        options = options with
        {
            HttpPort = port is null ? DefaultHttpPort : ParsePort("--port", port),
            ClusterPort = clusterPort is null ? 0 : ParsePort("--cluster-port", clusterPort),
            Hostname = string.IsNullOrWhiteSpace(hostname) ? options.Hostname : hostname,
        };
        return options with { Seeds = seeds.Select(s => ToAddress(s, options.Hostname)).ToArray() };
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
