// The Conformance app's procedures (CONFORMANCE.md) on socketcluster-server, each a per-socket loop, and a server
// that serves the ones asked for: server.js (the benchmarks' reference) and client-conformance.js (AGServer.Client's
// specs) take what they need, so each socket runs only the loops its users measure.
const http = require('http');
const socketClusterServer = require('socketcluster-server');

const procedures = {
  echo: (socket) => (async () => {
    for await (const request of socket.procedure('echo')) request.end(request.data);
  })(),
  error: (socket) => (async () => {
    for await (const request of socket.procedure('error')) {
      const error = new Error('Custom error');
      error.name = 'CustomError';
      error.code = 4321;
      error.data = request.data;
      request.error(error);
    }
  })(),
  // As the Conformance app's slow: one request at a time per socket here (socketcluster's per-socket procedure loop), 5 ms each.
  slow: (socket) => (async () => {
    for await (const request of socket.procedure('slow')) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      request.end(request.data);
    }
  })(),
  // The server invokes the client's procedure and answers with its reply.
  invokeBack: (socket) => (async () => {
    for await (const request of socket.procedure('invokeBack')) {
      const {procedure, data, ackTimeout} = request.data;
      socket.invoke(procedure, data, ackTimeout == null ? undefined : {ackTimeout})
        .then((result) => request.end(result), (error) => request.error(error));
    }
  })(),
  stats: (socket, agServer) => (async () => {
    for await (const request of socket.procedure('stats')) {
      request.end({clientsCount: agServer.clientsCount, pendingClientsCount: agServer.pendingClientsCount});
    }
  })(),
  publish: (socket, agServer) => (async () => {
    for await (const request of socket.procedure('publish')) {
      await agServer.exchange.invokePublish(request.data.channel, request.data.data);
      request.end();
    }
  })(),
  login: (socket) => (async () => {
    for await (const request of socket.procedure('login')) {
      const {token, expiresIn} = request.data;
      await socket.setAuthToken(token, expiresIn == null ? undefined : {expiresIn});
      request.end({ok: true});
    }
  })(),
  logout: (socket) => (async () => {
    for await (const request of socket.procedure('logout')) {
      socket.deauthenticate();
      request.end();
    }
  })(),
  whoami: (socket) => (async () => {
    for await (const request of socket.procedure('whoami')) {
      request.end({authState: socket.authState, authToken: socket.authToken});
    }
  })(),
  kickOut: (socket) => (async () => {
    for await (const request of socket.procedure('kickOut')) {
      socket.kickOut(request.data.channel, request.data.message);
      request.end();
    }
  })(),
  transmitBack: (socket) => (async () => {
    for await (const request of socket.procedure('transmitBack')) {
      socket.transmit(request.data.event, request.data.data);
      request.end();
    }
  })(),
  disconnect: (socket) => (async () => {
    for await (const request of socket.procedure('disconnect')) {
      socket.disconnect(request.data.code, request.data.reason);
    }
  })(),
};

// The Conformance app's SUBSCRIBE rule (CONFORMANCE.md): a `private/` channel only for an authenticated socket.
function guardPrivateChannels(agServer) {
  agServer.setMiddleware(agServer.MIDDLEWARE_INBOUND, async (middlewareStream) => {
    for await (const action of middlewareStream) {
      if (action.type === action.SUBSCRIBE && action.channel.startsWith('private/') && !action.socket.authToken) {
        const error = new Error(`Channel ${action.channel} needs an authenticated socket`);
        error.name = 'PrivateChannelError';
        action.block(error);
        continue;
      }
      action.allow();
    }
  });
}

// Starts socketcluster-server on --port (8000 unless given) with the named procedures and default pub/sub, and prints
// "<label> listening on <url>" once it accepts connections, like the Conformance app. `privateChannels` adds the
// Conformance app's SUBSCRIBE middleware (the benchmarks' server leaves it out: no middleware on their path).
function serve(label, names, {privateChannels = false} = {}) {
  const portArg = process.argv.indexOf('--port');
  const port = portArg >= 0 ? Number(process.argv[portArg + 1]) : 8000;
  const httpServer = http.createServer();
  const agServer = socketClusterServer.attach(httpServer);
  if (privateChannels) guardPrivateChannels(agServer);
  (async () => {
    for await (const {socket} of agServer.listener('connection')) {
      for (const name of names) procedures[name](socket, agServer);
    }
  })();
  httpServer.listen(port, () => {
    console.log(`${label} listening on ws://localhost:${httpServer.address().port}/socketcluster/`);
  });
}

module.exports = {serve};
