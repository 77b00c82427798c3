using System.Text.Json;
using Akka.Actor;
using AGServer.Protocol;

namespace AGServer.Server.Internal;

/// <summary>
/// The JSON options of the server on an actor system (<see cref="AGServerOptions.JsonSerializerOptions"/>), for what
/// writes application data with no server at hand: the serializer of socket commands sent to another node.
/// </summary>
internal sealed class ServerJson : IExtension
{
    public JsonSerializerOptions Options { get; set; } = AGJson.Options;

    public static ServerJson Of(ActorSystem system) => system.WithExtension<ServerJson, ServerJsonProvider>();
}

internal sealed class ServerJsonProvider : ExtensionIdProvider<ServerJson>
{
    public override ServerJson CreateExtension(ExtendedActorSystem system) => new();
}
