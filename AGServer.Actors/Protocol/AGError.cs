using System.Runtime.Serialization;
using System.Text.Json;

namespace AGServer.Protocol;

/// <summary>An exception that crosses the wire with a SocketCluster name and extra properties (dehydrated as sc-errors does).</summary>
internal interface INamedError
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

    // Across nodes: Akka.Remote carries an exception in a Status.Failure through its ISerializable data and makes it
    // again with the (SerializationInfo, StreamingContext) constructor; without one the cause arrives as null and the
    // asker only sees a cancelled task. The properties travel as JSON, and arrive as JsonElements.
#pragma warning disable SYSLIB0051, CS0672 // Akka.Remote's exception support is built on this legacy contract.
    protected AGError(SerializationInfo info, StreamingContext context) : base(info, context)
    {
        Name = info.GetString(NameField) ?? "Error";
        Silent = info.GetBoolean(SilentField);
        if (info.GetString(PropertiesField) is not { Length: > 0 } json) return;
        using var document = JsonDocument.Parse(json);
        foreach (var property in document.RootElement.EnumerateObject()) Properties[property.Name] = property.Value.Clone();
    }

    public override void GetObjectData(SerializationInfo info, StreamingContext context)
    {
        base.GetObjectData(info, context);
        info.AddValue(NameField, Name);
        info.AddValue(SilentField, Silent);
        info.AddValue(PropertiesField, Properties.Count == 0 ? "" : JsonSerializer.Serialize(Properties, AGJson.Options));
    }
#pragma warning restore SYSLIB0051, CS0672

    private const string NameField = "AGError.Name", SilentField = "AGError.Silent", PropertiesField = "AGError.Properties";
}

/// <summary>A call that got no answer in time (for example a server-to-client invoke past its ack timeout). A <see cref="TimeoutException"/>, named TimeoutError on the wire.</summary>
internal sealed class TimeoutError : TimeoutException, INamedError
{
    public TimeoutError(string message) : base(message)
    {
    }

#pragma warning disable SYSLIB0051, CS0672
    private TimeoutError(SerializationInfo info, StreamingContext context) : base(info, context)
    {
    }
#pragma warning restore SYSLIB0051, CS0672

    public string Name => AGErrorNames.TimeoutError;

    public IDictionary<string, object?> Properties { get; } = new Dictionary<string, object?>();

    public override string ToString() => $"{Name}: {Message}";
}

internal sealed class InvalidActionError : AGError
{
    public InvalidActionError(string message) : base(AGErrorNames.InvalidActionError, message)
    {
    }

#pragma warning disable SYSLIB0051, CS0672
    private InvalidActionError(SerializationInfo info, StreamingContext context) : base(info, context)
    {
    }
#pragma warning restore SYSLIB0051, CS0672
}

internal sealed class InvalidArgumentsError : AGError
{
    public InvalidArgumentsError(string message) : base(AGErrorNames.InvalidArgumentsError, message)
    {
    }

#pragma warning disable SYSLIB0051, CS0672
    private InvalidArgumentsError(SerializationInfo info, StreamingContext context) : base(info, context)
    {
    }
#pragma warning restore SYSLIB0051, CS0672
}

internal sealed class InvalidMessageError : AGError
{
    public InvalidMessageError(string message) : base(AGErrorNames.InvalidMessageError, message)
    {
    }

#pragma warning disable SYSLIB0051, CS0672
    private InvalidMessageError(SerializationInfo info, StreamingContext context) : base(info, context)
    {
    }
#pragma warning restore SYSLIB0051, CS0672
}

internal sealed class ServerProtocolError : AGError
{
    public ServerProtocolError(string message) : base(AGErrorNames.ServerProtocolError, message)
    {
    }

#pragma warning disable SYSLIB0051, CS0672
    private ServerProtocolError(SerializationInfo info, StreamingContext context) : base(info, context)
    {
    }
#pragma warning restore SYSLIB0051, CS0672
}

internal sealed class BrokerError : AGError
{
    public BrokerError(string message) : base(AGErrorNames.BrokerError, message)
    {
    }

#pragma warning disable SYSLIB0051, CS0672
    private BrokerError(SerializationInfo info, StreamingContext context) : base(info, context)
    {
    }
#pragma warning restore SYSLIB0051, CS0672
}

internal sealed class AuthError : AGError
{
    public AuthError(string message) : base(AGErrorNames.AuthError, message)
    {
    }

#pragma warning disable SYSLIB0051, CS0672
    private AuthError(SerializationInfo info, StreamingContext context) : base(info, context)
    {
    }
#pragma warning restore SYSLIB0051, CS0672
}

internal sealed class SocketProtocolError : AGError
{
    public SocketProtocolError(string message, int code) : base(AGErrorNames.SocketProtocolError, message)
    {
        Code = code;
        Properties["code"] = code;
    }

    public int Code { get; }

#pragma warning disable SYSLIB0051, CS0672
    private SocketProtocolError(SerializationInfo info, StreamingContext context) : base(info, context) => Code = info.GetInt32("AGError.code");

    public override void GetObjectData(SerializationInfo info, StreamingContext context)
    {
        base.GetObjectData(info, context);
        info.AddValue("AGError.code", Code);
    }
#pragma warning restore SYSLIB0051, CS0672
}

/// <summary>An invoke failed because the socket was closed before it completed; <see cref="Type"/> is 'connectAbort' or 'disconnect'.</summary>
internal sealed class BadConnectionError : AGError
{
    public BadConnectionError(string message, string type) : base(AGErrorNames.BadConnectionError, message)
    {
        Type = type;
        Properties["type"] = type;
    }

    public string Type { get; }

#pragma warning disable SYSLIB0051, CS0672
    private BadConnectionError(SerializationInfo info, StreamingContext context) : base(info, context) => Type = info.GetString("AGError.type") ?? "";

    public override void GetObjectData(SerializationInfo info, StreamingContext context)
    {
        base.GetObjectData(info, context);
        info.AddValue("AGError.type", Type);
    }
#pragma warning restore SYSLIB0051, CS0672
}

internal sealed class SilentMiddlewareBlockedError : AGError
{
    public SilentMiddlewareBlockedError(string message, string type) : base(AGErrorNames.SilentMiddlewareBlockedError, message)
    {
        Type = type;
        Properties["type"] = type;
    }

    public string Type { get; }

#pragma warning disable SYSLIB0051, CS0672
    private SilentMiddlewareBlockedError(SerializationInfo info, StreamingContext context) : base(info, context) => Type = info.GetString("AGError.type") ?? "";

    public override void GetObjectData(SerializationInfo info, StreamingContext context)
    {
        base.GetObjectData(info, context);
        info.AddValue("AGError.type", Type);
    }
#pragma warning restore SYSLIB0051, CS0672
}

/// <summary>An error that arrived from the client in an RPC response, rehydrated.</summary>
internal sealed class ClientError : AGError
{
    public ClientError(string name, string message, JsonElement raw) : base(name, message)
    {
        Raw = raw;
        foreach (var property in raw.EnumerateObject())
            if (property.Name is not ("name" or "message")) Properties[property.Name] = property.Value.Clone();
    }

    /// <summary>The dehydrated error exactly as the client sent it.</summary>
    public JsonElement Raw { get; }

#pragma warning disable SYSLIB0051, CS0672
    private ClientError(SerializationInfo info, StreamingContext context) : base(info, context)
    {
        using var document = JsonDocument.Parse(info.GetString("AGError.raw") ?? "null");
        Raw = document.RootElement.Clone();
    }

    public override void GetObjectData(SerializationInfo info, StreamingContext context)
    {
        base.GetObjectData(info, context);
        info.AddValue("AGError.raw", Raw.GetRawText());
    }
#pragma warning restore SYSLIB0051, CS0672

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
