using AGServer.Client;
using AGServer.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace AGServer.Tests.Readme.TestingExample;

// The README's "Testing your application" example, compiled and run here (ReadmeExamplesSpec checks the README shows it).
public sealed record Sum(int A, int B);

public sealed class Calculator
{
    public int Add(int a, int b) => a + b;
}

// README:testing
public sealed class SumSpec : AGServerTestKit
{
    [Fact]
    public async Task Sum_adds_with_the_calculator()
    {
        var server = await StartServerAsync(services: s => s.AddSingleton<Calculator>());
        server.MapProcedure("sum", (Sum data, Calculator calculator) => calculator.Add(data.A, data.B));
        await using var client = await ConnectAsync();

        Assert.Equal(3, await client.InvokeAsync<int>("sum", new { a = 1, b = 2 }));
        var error = await Assert.ThrowsAsync<AGClientError>(() => client.InvokeAsync("sum", "not numbers"));
        Assert.Equal("InvalidArgumentsError", error.Name);
    }
}
// README:end
