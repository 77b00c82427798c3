using System.Collections.Immutable;
using System.Net;
using Akka.Actor;
using Akka.Discovery;

namespace AGServer.Hosting;

/// <summary>
/// The <c>dns</c> discovery method: the service name's A and AAAA records, without ports (a Kubernetes headless
/// service gives one per pod). Akka.NET names an <c>akka-dns</c> method in its defaults but ships no class for it.
/// </summary>
internal sealed class DnsServiceDiscovery : ServiceDiscovery
{
    public DnsServiceDiscovery(ExtendedActorSystem system)
    {
    }

    public override async Task<Resolved> Lookup(Lookup lookup, TimeSpan resolveTimeout)
    {
        using var timeout = new CancellationTokenSource(resolveTimeout);
        var addresses = await Dns.GetHostAddressesAsync(lookup.ServiceName, timeout.Token);
        return new Resolved(lookup.ServiceName,
            addresses.Select(address => new ResolvedTarget(address.ToString(), null, address)).ToImmutableList());
    }
}
