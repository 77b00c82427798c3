using Microsoft.Extensions.Configuration;

namespace AGServer.Hosting;

/// <summary>
/// Where a node listens and which cluster it joins. From the command line (<c>--port</c>, <c>--cluster-port</c>,
/// <c>--hostname</c>, <c>--seed</c> repeatable or comma-separated) or the environment (<c>AGSERVER_PORT</c>,
/// <c>AGSERVER_CLUSTER_PORT</c>, <c>AGSERVER_HOSTNAME</c>, <c>AGSERVER_SEEDS</c> comma-separated); the command line wins.
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

    /// <summary>Seed nodes as full Akka addresses. Empty: the node forms a cluster of its own.</summary>
    public IReadOnlyList<string> Seeds { get; init; } = [];

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

        public NodeOptions Parse()
        {
            var hostname = string.IsNullOrWhiteSpace(Hostname) ? new NodeOptions().Hostname : Hostname;
            return new NodeOptions
            {
                HttpPort = Port is null ? null : ParsePort("--port", Port),
                ClusterPort = ClusterPort is null ? 0 : ParsePort("--cluster-port", ClusterPort),
                Hostname = hostname,
                Seeds = Seeds.Select(s => ToAddress(s, hostname)).ToArray(),
            };
        }
    }

    private static Values FromEnvironment(Func<string, string?> env) => new()
    {
        Port = env("AGSERVER_PORT"),
        ClusterPort = env("AGSERVER_CLUSTER_PORT"),
        Hostname = env("AGSERVER_HOSTNAME"),
        Seeds = SplitList(env("AGSERVER_SEEDS") ?? ""),
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
