namespace AGServer.Streams;

/// <summary>One event of any kind in a server's or a socket's <c>All</c> stream: its listener name and the event record.</summary>
public sealed record AnyEvent(string Name, object Event);
