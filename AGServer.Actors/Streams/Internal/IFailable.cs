namespace AGServer.Streams.Internal;

/// <summary>
/// An item that application code must settle (a request to answer, a middleware action to allow or block). When the
/// code handling it fails, the server settles it instead, so the client gets an error rather than a silent timeout.
/// </summary>
internal interface IFailable
{
    /// <summary>True once answered or settled.</summary>
    bool IsSettled { get; }

    /// <summary>Settles the item with <paramref name="error"/> (already made safe for the client) unless it is settled already.</summary>
    void Fail(Exception error);
}
