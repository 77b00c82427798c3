using System.Threading.Channels;
using AGServer.Client;

namespace AGServer.Testing;

/// <summary>
/// The test client's token store: holds the token it connects with, and once <see cref="Observe"/>d queues every token
/// the client stores or removes (null), so a test can wait for the server's <c>#setAuthToken</c> and <c>#removeAuthToken</c>.
/// </summary>
internal sealed class ObservedTokenStore(string? initial) : IAuthTokenStore
{
    private readonly Channel<string?> _changes = Channel.CreateUnbounded<string?>();
    private volatile string? _token = initial;
    private volatile bool _observing;

    public void Observe() => _observing = true;

    public ValueTask<string?> LoadAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(_token);

    public ValueTask SaveAsync(string signedToken, CancellationToken cancellationToken = default) => Change(signedToken);

    public ValueTask RemoveAsync(CancellationToken cancellationToken = default) => Change(null);

    public async Task<string?> NextAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            return await _changes.Reader.ReadAsync(cancellationToken).AsTask().WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"No token change within {timeout.TotalSeconds:0.#} s");
        }
    }

    private ValueTask Change(string? token)
    {
        _token = token;
        if (_observing) _changes.Writer.TryWrite(token);
        return ValueTask.CompletedTask;
    }
}
