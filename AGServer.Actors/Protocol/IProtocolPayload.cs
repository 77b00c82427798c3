namespace AGServer.Protocol;

/// <summary>
/// A payload of the protocol itself (the handshake's and #authenticate's answers, #setAuthToken, #kickOut, the presence
/// and history answers): written with the protocol's own JSON names (<see cref="AGJson.Options"/>) whatever the
/// application's <see cref="Server.AGServerOptions.JsonSerializerOptions"/> say, since clients read those names.
/// </summary>
internal interface IProtocolPayload;
