using System;
using System.Text.Json;

namespace AGServer.Client;

/// <summary>
/// An error the server answered with (a dehydrated SocketCluster error: <see cref="Name"/>, the message, and any
/// other properties in <see cref="Error"/>), or one the client raised itself (<c>TimeoutError</c>,
/// <c>BadConnectionError</c>, <c>SocketProtocolError</c>).
/// </summary>
public sealed class AGClientError : Exception
{
    /// <summary>An error named <paramref name="name"/> (a handler of the server's invokes may throw one to answer with that name).</summary>
    public AGClientError(string name, string message, JsonElement? error = null)
        : base(message)
    {
        Name = name;
        Error = error;
    }

    /// <summary>The error's name, e.g. <c>InvalidArgumentsError</c>, <c>TimeoutError</c>, or an application's own.</summary>
    public string Name { get; }

    /// <summary>The error object as the server sent it (null for errors raised by the client).</summary>
    public JsonElement? Error { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Name}: {Message}";

    internal static AGClientError From(JsonElement error)
    {
        if (error.ValueKind != JsonValueKind.Object)
            return new AGClientError("Error", error.ValueKind == JsonValueKind.String ? error.GetString()! : error.GetRawText(), error.Clone());
        var name = error.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : "Error";
        var message = error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : "";
        return new AGClientError(name, message, error.Clone());
    }

    internal static AGClientError Timeout(string what) => new("TimeoutError", $"Event response for '{what}' timed out");

    internal static AGClientError BadConnection(string what) =>
        new("BadConnectionError", $"Event '{what}' was aborted because the socket was disconnected");
}
