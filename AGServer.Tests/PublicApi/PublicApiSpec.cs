using PublicApiGenerator;
using Xunit;

namespace AGServer.Tests.PublicApi;

/// <summary>
/// The public surface of the shipped assemblies, snapshot-tested: any change to it shows in review as a change to the
/// approved file. After a deliberate change, copy the .received.txt over the .approved.txt.
/// </summary>
public sealed class PublicApiSpec
{
    [Theory]
    [InlineData(typeof(SocketClusterServer), "AGServer")]
    [InlineData(typeof(Testing.AGServerTestKit), "AGServer.Testing")]
    [InlineData(typeof(AGServer.Hosting.AGServerApp), "AGServer.Node")]
    [InlineData(typeof(AGServer.Client.AGClientSocket), "AGServer.Client")]
    public void The_public_API_is_the_approved_one(Type anyType, string assembly)
    {
        var api = anyType.Assembly.GeneratePublicApi(new ApiGeneratorOptions
        {
            IncludeAssemblyAttributes = false,
            // Compiler-generated state machine names (d__48) change whenever members move; they are not API.
            ExcludeAttributes = ["System.Runtime.CompilerServices.AsyncIteratorStateMachineAttribute", "System.Runtime.CompilerServices.AsyncStateMachineAttribute"],
        });
        var directory = Path.Combine(ProjectDirectory(), "PublicApi");
        var approvedPath = Path.Combine(directory, $"{assembly}.approved.txt");
        var receivedPath = Path.Combine(directory, $"{assembly}.received.txt");
        var approved = File.Exists(approvedPath) ? File.ReadAllText(approvedPath) : "";
        if (Normalize(api) == Normalize(approved))
        {
            File.Delete(receivedPath);
            return;
        }
        File.WriteAllText(receivedPath, api);
        Assert.Fail($"The public API of {assembly} changed. If that is intended, replace {approvedPath} with {receivedPath}.");
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n").Trim();

    private static string ProjectDirectory([System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetDirectoryName(Path.GetDirectoryName(here))!;
}
