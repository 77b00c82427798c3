using System.Text.Json;
using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Serialization;
using AGServer.Protocol;

namespace AGServer.Sockets.Internal;

/// <summary>
/// The socket actor protocol across nodes (bound in cluster.hocon to <see cref="ISocketCommand"/> and
/// <see cref="ISocketWireMessage"/>): JSON, with application data written by System.Text.Json with the server's
/// <see cref="Server.AGServerOptions.JsonSerializerOptions"/> (it arrives as a
/// <see cref="JsonElement"/>, which is written to the client unchanged) and actor refs as their serialized paths.
/// </summary>
internal sealed class SocketMessageSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public override int Identifier => 4712;

    public override string Manifest(object o) => o switch
    {
        SocketCommand { Kind: SocketCommandKind.Transmit } => "T",
        SocketCommand { Kind: SocketCommandKind.Invoke } => "I",
        SocketCommand { Kind: SocketCommandKind.Disconnect } => "D",
        SocketCommand { Kind: SocketCommandKind.KickOut } => "K",
        SocketCommand { Kind: SocketCommandKind.SetAuthToken } => "S",
        SocketCommand { Kind: SocketCommandKind.RemoveAuthToken } => "R",
        InvokeReply => "IR",
        ActorRequest => "AR",
        RouteToSocket => "RS",
        RouteToUser => "RU",
        SessionStarted => "SS",
        SessionEnded => "SE",
        SessionExists => "SX",
        LeaseRequest => "LQ",
        LeaseGranted => "LG",
        _ => throw new ArgumentException($"{o.GetType()} is not a socket message", nameof(o)),
    };

    public override byte[] ToBinary(object obj) => JsonSerializer.SerializeToUtf8Bytes(Write(obj));

    public override object FromBinary(byte[] bytes, string manifest) => Read(JsonNode.Parse(bytes)!.AsObject(), manifest);

    private JsonObject Write(object o) => o switch
    {
        SocketCommand { Kind: SocketCommandKind.Transmit } m => new() { ["e"] = m.Event, ["d"] = Data(m.Data) },
        SocketCommand { Kind: SocketCommandKind.Invoke } m => new() { ["e"] = m.Event, ["d"] = Data(m.Data), ["t"] = m.AckTimeoutMilliseconds, ["c"] = m.CorrelationId },
        SocketCommand { Kind: SocketCommandKind.Disconnect } m => new() { ["code"] = m.Code, ["r"] = m.Reason },
        SocketCommand { Kind: SocketCommandKind.KickOut } m => new() { ["ch"] = m.Channel, ["m"] = Data(m.Data) },
        SocketCommand { Kind: SocketCommandKind.SetAuthToken } m => new() { ["p"] = Data(m.Data), ["x"] = m.ExpiresIn },
        SocketCommand { Kind: SocketCommandKind.RemoveAuthToken } => new(),
        InvokeReply m => new()
        {
            ["s"] = m.SocketId, ["e"] = m.Event, ["c"] = m.CorrelationId, ["d"] = Data(m.Data.ValueKind == JsonValueKind.Undefined ? null : m.Data),
            ["n"] = m.Error?.Name, ["m"] = m.Error?.Message,
        },
        ActorRequest m => new()
        {
            ["n"] = m.Name, ["d"] = m.Data.IsAbsent ? null : JsonNode.Parse(m.Data.Utf8.Span), ["s"] = m.SocketId, ["u"] = m.UserId,
            ["r"] = Serialization.SerializedActorPath(m.Socket), ["tp"] = m.TraceParent,
        },
        RouteToSocket m => new() { ["id"] = m.SocketId, ["m"] = Manifest(m.Command), ["b"] = Write(m.Command) },
        RouteToUser m => new() { ["id"] = m.UserId, ["m"] = Manifest(m.Command), ["b"] = Write(m.Command) },
        SessionStarted m => new() { ["s"] = m.SocketId, ["t"] = m.Since },
        SessionEnded m => new() { ["s"] = m.SocketId },
        SessionExists m => new() { ["s"] = m.SocketId, ["t"] = m.Since },
        LeaseRequest m => new() { ["u"] = m.UserId, ["l"] = m.Limit, ["r"] = m.PerSecond, ["b"] = m.Burst, ["n"] = m.Needed, ["w"] = m.Wanted },
        LeaseGranted m => new() { ["u"] = m.UserId, ["l"] = m.Limit, ["g"] = m.Granted },
        _ => throw new ArgumentException($"{o.GetType()} is not a socket message", nameof(o)),
    };

    private object Read(JsonObject j, string manifest) => manifest switch
    {
        "T" => SocketCommand.Read(SocketCommandKind.Transmit, Str(j, "e"), Element(j, "d"), null, null, null, null, null, null),
        "I" => SocketCommand.Read(SocketCommandKind.Invoke, Str(j, "e"), Element(j, "d"), Int(j, "t"), Str(j, "c"), null, null, null, null),
        "D" => SocketCommand.Read(SocketCommandKind.Disconnect, null, null, null, null, Int(j, "code"), Str(j, "r"), null, null),
        "K" => SocketCommand.Read(SocketCommandKind.KickOut, null, Element(j, "m"), null, null, null, null, Str(j, "ch"), null),
        "S" => SocketCommand.Read(SocketCommandKind.SetAuthToken, null, Element(j, "p") ?? new JsonElement(), null, null, null, null, null, Int(j, "x")),
        "R" => SocketCommand.RemoveAuthToken,
        "IR" => new InvokeReply(Str(j, "s")!, Str(j, "e")!, Str(j, "c"), Element(j, "d") ?? default,
            Str(j, "n") is { } name ? new AGError(name, Str(j, "m") ?? "") : null),
        "AR" => new ActorRequest(Str(j, "n")!, j["d"] is { } data ? new RawJson(JsonSerializer.SerializeToUtf8Bytes(data)) : default,
            Str(j, "s")!, Str(j, "u"), system.Provider.ResolveActorRef(Str(j, "r")!)) { TraceParent = Str(j, "tp") },
        "RS" => new RouteToSocket(Str(j, "id")!, (ISocketCommand)Read(j["b"]!.AsObject(), Str(j, "m")!)),
        "RU" => new RouteToUser(Str(j, "id")!, (ISocketCommand)Read(j["b"]!.AsObject(), Str(j, "m")!)),
        "SS" => new SessionStarted(Str(j, "s")!, j["t"]!.GetValue<long>()),
        "SE" => new SessionEnded(Str(j, "s")!),
        "SX" => new SessionExists(Str(j, "s")!, j["t"]!.GetValue<long>()),
        "LQ" => new LeaseRequest(Str(j, "u")!, Str(j, "l")!, Int(j, "r") ?? 0, Int(j, "b") ?? 0, Int(j, "n") ?? 1, Int(j, "w") ?? 1),
        "LG" => new LeaseGranted(Str(j, "u")!, Str(j, "l")!, Int(j, "g") ?? 0),
        _ => throw new System.Runtime.Serialization.SerializationException($"Unknown socket message manifest '{manifest}'"),
    };

    /// <summary>The server's JSON options (looked up each time: the serializer is made before the server sets them).</summary>
    private JsonSerializerOptions Json => Server.Internal.ServerJson.Of(system).Options;

    private JsonNode? Data(object? data) => data switch
    {
        null => null,
        JsonElement { ValueKind: JsonValueKind.Undefined } => null,
        RawJson raw => raw.IsAbsent ? null : JsonNode.Parse(raw.Utf8.Span),
        _ => JsonSerializer.SerializeToNode(data, data.GetType(), Json),
    };

    private static JsonElement? Element(JsonObject j, string name) =>
        j[name] is { } node ? JsonSerializer.SerializeToElement(node) : null;

    private static string? Str(JsonObject j, string name) => j[name]?.GetValue<string>();

    private static int? Int(JsonObject j, string name) => j[name]?.GetValue<int>();
}
