namespace AGServer.Server;

/// <summary>The answer of <c>/health</c>: 200 when <see cref="Ready"/>, 503 otherwise.</summary>
public sealed record NodeHealth(bool Ready, string Address, string Status, int ClientsCount, IReadOnlyList<NodeHealth.Member> Members)
{
    public sealed record Member(string Address, string Status, bool Unreachable);
}
