// The reference for AGServer's benchmarks: socketcluster-server with the procedures of the Conformance app that the
// benchmarks use (echo, error, slow, invokeBack, stats, publish) and default pub/sub. Prints "listening on <url>" like the Conformance app.
const http = require('http');
const socketClusterServer = require('socketcluster-server');

const portArg = process.argv.indexOf('--port');
const port = portArg >= 0 ? Number(process.argv[portArg + 1]) : 8000;

const httpServer = http.createServer();
const agServer = socketClusterServer.attach(httpServer);

(async () => {
  for await (const {socket} of agServer.listener('connection')) {
    (async () => {
      for await (const request of socket.procedure('echo')) request.end(request.data);
    })();
    (async () => {
      for await (const request of socket.procedure('error')) {
        const error = new Error('Custom error');
        error.name = 'CustomError';
        error.code = 4321;
        error.data = request.data;
        request.error(error);
      }
    })();
    (async () => {
      // As the Conformance app's slow: one request at a time per socket here (socketcluster's per-socket procedure
      // loop), 5 ms each.
      for await (const request of socket.procedure('slow')) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        request.end(request.data);
      }
    })();
    (async () => {
      // As the Conformance app's invokeBack: the server invokes the client's procedure and answers with its reply.
      for await (const request of socket.procedure('invokeBack')) {
        const {procedure, data, ackTimeout} = request.data;
        socket.invoke(procedure, data, ackTimeout == null ? undefined : {ackTimeout})
          .then((result) => request.end(result), (error) => request.error(error));
      }
    })();
    (async () => {
      for await (const request of socket.procedure('stats')) {
        request.end({clientsCount: agServer.clientsCount, pendingClientsCount: agServer.pendingClientsCount});
      }
    })();
    (async () => {
      for await (const request of socket.procedure('publish')) {
        await agServer.exchange.invokePublish(request.data.channel, request.data.data);
        request.end();
      }
    })();
  }
})();

httpServer.listen(port, () => {
  console.log(`reference listening on ws://localhost:${httpServer.address().port}/socketcluster/`);
});
