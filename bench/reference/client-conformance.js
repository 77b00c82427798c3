// socketcluster-server for AGServer.Client's conformance specs: the procedures of the Conformance app that the specs
// use (echo, error, invokeBack, publish, login, logout, whoami, kickOut, transmitBack, disconnect, as CONFORMANCE.md
// says) and default pub/sub. The benchmarks' server.js keeps only what they measure. Prints "listening on <url>".
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
      // As the Conformance app's invokeBack: the server invokes the client's procedure and answers with its reply.
      for await (const request of socket.procedure('invokeBack')) {
        const {procedure, data, ackTimeout} = request.data;
        socket.invoke(procedure, data, ackTimeout == null ? undefined : {ackTimeout})
          .then((result) => request.end(result), (error) => request.error(error));
      }
    })();
    (async () => {
      for await (const request of socket.procedure('login')) {
        const {token, expiresIn} = request.data;
        await socket.setAuthToken(token, expiresIn == null ? undefined : {expiresIn});
        request.end({ok: true});
      }
    })();
    (async () => {
      for await (const request of socket.procedure('logout')) {
        socket.deauthenticate();
        request.end();
      }
    })();
    (async () => {
      for await (const request of socket.procedure('whoami')) {
        request.end({authState: socket.authState, authToken: socket.authToken});
      }
    })();
    (async () => {
      for await (const request of socket.procedure('kickOut')) {
        socket.kickOut(request.data.channel, request.data.message);
        request.end();
      }
    })();
    (async () => {
      for await (const request of socket.procedure('transmitBack')) {
        socket.transmit(request.data.event, request.data.data);
        request.end();
      }
    })();
    (async () => {
      for await (const request of socket.procedure('disconnect')) {
        socket.disconnect(request.data.code, request.data.reason);
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
  console.log(`client conformance reference listening on ws://localhost:${httpServer.address().port}/socketcluster/`);
});
