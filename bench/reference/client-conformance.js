// socketcluster-server for AGServer.Client's conformance specs: the Conformance app's procedures the specs use (as
// CONFORMANCE.md says) and default pub/sub. The benchmarks' server.js keeps only what they measure.
require('./procedures').serve('client conformance reference',
  ['echo', 'error', 'invokeBack', 'publish', 'login', 'logout', 'whoami', 'kickOut', 'transmitBack', 'disconnect'],
  {privateChannels: true});
