// The reference for AGServer's benchmarks: socketcluster-server with the procedures of the Conformance app that the
// benchmarks use and default pub/sub.
require('./procedures').serve('reference', ['echo', 'error', 'slow', 'invokeBack', 'stats', 'publish']);
