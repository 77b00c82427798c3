using System.Threading;
using System.Threading.Tasks;

namespace AGServer.Client;

/// <summary>
/// Where the client keeps its signed auth token (socketcluster-client keeps it in localStorage): read for every
/// handshake, written when the server sets a token, cleared when it removes one or rejects it.
/// </summary>
public interface IAuthTokenStore
{
    /// <summary>The stored token, or null.</summary>
    ValueTask<string?> LoadAsync(CancellationToken cancellationToken = default);

    /// <summary>Stores <paramref name="signedToken"/> in place of any other.</summary>
    ValueTask SaveAsync(string signedToken, CancellationToken cancellationToken = default);

    /// <summary>Forgets the stored token.</summary>
    ValueTask RemoveAsync(CancellationToken cancellationToken = default);
}

/// <summary>The token in memory, for the client's lifetime.</summary>
public sealed class MemoryAuthTokenStore : IAuthTokenStore
{
    private volatile string? _token;

    /// <inheritdoc/>
    public ValueTask<string?> LoadAsync(CancellationToken cancellationToken = default) => new(_token);

    /// <inheritdoc/>
    public ValueTask SaveAsync(string signedToken, CancellationToken cancellationToken = default)
    {
        _token = signedToken;
        return default;
    }

    /// <inheritdoc/>
    public ValueTask RemoveAsync(CancellationToken cancellationToken = default)
    {
        _token = null;
        return default;
    }
}
