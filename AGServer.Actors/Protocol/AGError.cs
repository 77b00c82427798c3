using System.Text.Json;

namespace AGServer.Protocol;

/// <summary>An exception that crosses the wire with a SocketCluster name and extra properties (dehydrated as sc-errors does).</summary>
public interface INamedError
{
    /// <summary>The error's name as the client sees it (<c>error.name</c>).</summary>
    string Name { get; }

    /// <summary>Extra properties sent along with name and message.</summary>
    IDictionary<string, object?> Properties { get; }
}

/// <summary>
/// An error with a SocketCluster name. It crosses the wire dehydrated: <c>{"name", "message", ...Properties}</c>.
/// Throw or pass an <see cref="AGError"/> (or one of its named subclasses) to give a client a typed error.
/// </summary>
public class AGError : Exception, INamedError
{
    public AGError(string name, string message, IReadOnlyDictionary<string, object?>? properties = null)
        : base(message)
    {
        Name = name;
        if (properties is not null)
            foreach (var (key, value) in properties) Properties[key] = value;
    }

    /// <summary>The error's name as the client sees it (<c>error.name</c>).</summary>
    public string Name { get; }

    /// <summary>Extra properties sent along with name and message (for example <c>statusCode</c>).</summary>
    public Dictionary<string, object?> Properties { get; } = new();

    IDictionary<string, object?> INamedError.Properties => Properties;

    /// <summary>When true, middleware that blocks with this error sends the client a SilentMiddlewareBlockedError instead.</summary>
    public bool Silent { get; init; }

    public override string ToString() => $"{Name}: {Message}";
}

/// <summary>A call that got no answer in time (for example a server-to-client invoke past its ack timeout). A <see cref="TimeoutException"/>, named TimeoutError on the wire.</summary>
public sealed class TimeoutError(string message) : TimeoutException(message), INamedError
{
    public string Name => nameof(TimeoutError);

    public IDictionary<string, object?> Properties { get; } = new Dictionary<string, object?>();

    public override string ToString() => $"{Name}: {Message}";
}

public sealed class InvalidActionError(string message) : AGError(nameof(InvalidActionError), message);

public sealed class InvalidArgumentsError(string message) : AGError(nameof(InvalidArgumentsError), message);

public sealed class InvalidOptionsError(string message) : AGError(nameof(InvalidOptionsError), message);

public sealed class InvalidMessageError(string message) : AGError(nameof(InvalidMessageError), message);

public sealed class ServerProtocolError(string message) : AGError(nameof(ServerProtocolError), message);

public sealed class BrokerError(string message) : AGError(nameof(BrokerError), message);

public sealed class AuthError(string message) : AGError(nameof(AuthError), message);

public sealed class SocketProtocolError : AGError
{
    public SocketProtocolError(string message, int code) : base(nameof(SocketProtocolError), message)
    {
        Code = code;
        Properties["code"] = code;
    }

    public int Code { get; }
}

/// <summary>An invoke failed because the socket was closed before it completed; <see cref="Type"/> is 'connectAbort' or 'disconnect'.</summary>
public sealed class BadConnectionError : AGError
{
    public BadConnectionError(string message, string type) : base(nameof(BadConnectionError), message)
    {
        Type = type;
        Properties["type"] = type;
    }

    public string Type { get; }
}

public sealed class SilentMiddlewareBlockedError : AGError
{
    public SilentMiddlewareBlockedError(string message, string type) : base(nameof(SilentMiddlewareBlockedError), message)
    {
        Type = type;
        Properties["type"] = type;
    }

    public string Type { get; }
}

/// <summary>An error that arrived from the client in an RPC response, rehydrated.</summary>
public sealed class ClientError : AGError
{
    public ClientError(string name, string message, JsonElement raw) : base(name, message)
    {
        Raw = raw;
        foreach (var property in raw.EnumerateObject())
            if (property.Name is not ("name" or "message")) Properties[property.Name] = property.Value.Clone();
    }

    /// <summary>The dehydrated error exactly as the client sent it.</summary>
    public JsonElement Raw { get; }

    internal static AGError Hydrate(JsonElement error)
    {
        if (error.ValueKind != JsonValueKind.Object)
            return new AGError("Error", error.ValueKind == JsonValueKind.String ? error.GetString()! : error.GetRawText());
        var name = error.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : "Error";
        var message = error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String
            ? m.GetString()!
            : "Invalid error message format";
        return new ClientError(name, message, error.Clone());
    }
}
