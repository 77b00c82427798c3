namespace AGServer.Streams;

/// <summary>The name of a listener stream together with the type of its events, so listeners are typed.</summary>
public sealed record ListenerName<T>(string Name)
{
    public override string ToString() => Name;
}
