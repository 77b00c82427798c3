using AGServer.Support;
using Xunit;

namespace AGServer.Tests.Support;

/// <summary>A private PostgreSQL server for a test class (<see cref="PrivatePostgres"/>, fsync off), stopped and deleted afterwards.</summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private PrivatePostgres? _server;

    /// <summary>A connection string to a new, empty database.</summary>
    public Task<string> NewDatabaseAsync() =>
        (_server ?? throw new InvalidOperationException("The PostgreSQL server has not started")).NewDatabaseAsync();

    public async Task InitializeAsync() => _server = await PrivatePostgres.StartAsync(fsync: false);

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}
