namespace AGServer.Streams;

/// <summary>A server's or a socket's <c>error</c> event, or the server's <c>warning</c>: what went wrong.</summary>
public sealed record ErrorEvent(Exception Error);
