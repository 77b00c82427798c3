// The stock socketcluster-client under load, for the client CPU comparison (AGServer.Bench --clients): the same work
// as AGServer.Bench's ClientLoad, and its own CPU time measured with process.cpuUsage().
//
//   node client-load.js rpc <ws url> <calls>                 one client, 100 echo invokes in flight, <calls> in all
//   node client-load.js subscribe <ws url> <messages> <clients>
//       <clients> clients subscribed to "load"; prints "ready", then counts publications until each got <messages>
//
// Each load runs twice and only the second round is measured (V8 has compiled the hot paths by then), as in
// ClientLoad: subscribe prints "warm" once every client got the first round, and the bench publishes the second.
// Ends by printing one JSON line: {"cpuMs": n, "count": n, "elapsedMs": n}.
'use strict';
const socketClusterClient = require('socketcluster-client');

const [mode, url, countArg, clientsArg] = process.argv.slice(2);
const count = Number(countArg);
const {hostname, port, pathname} = new URL(url);
const create = () => socketClusterClient.create({hostname, port: Number(port), path: pathname, autoReconnect: false});

function report(started, cpu, received) {
  const used = process.cpuUsage(cpu);
  console.log(JSON.stringify({cpuMs: (used.user + used.system) / 1000, count: received, elapsedMs: Number(process.hrtime.bigint() - started) / 1e6}));
  process.exit(0);
}

async function rpc() {
  const socket = create();
  await socket.listener('connect').once();
  await calls(socket);
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  report(started, cpu, await calls(socket));
}

async function calls(socket) {
  let next = 0;
  let done = 0;
  await Promise.all(Array.from({length: 100}, async () => {
    while (next < count) {
      next++;
      await socket.invoke('echo', {n: next});
      done++;
    }
  }));
  return done;
}

async function subscribe() {
  const clients = Number(clientsArg);
  const sockets = Array.from({length: clients}, create);
  await Promise.all(sockets.map((socket) => socket.listener('connect').once()));
  const channels = sockets.map((socket) => socket.subscribe('load'));
  await Promise.all(channels.map((channel) => channel.listener('subscribe').once()));
  let received = 0;
  console.log('ready');
  const warmUp = count * clients;
  let started;
  let cpu;
  await Promise.all(channels.map(async (channel) => {
    let mine = 0;
    // eslint-disable-next-line no-unused-vars
    for await (const data of channel) {
      if (++received === warmUp) {
        started = process.hrtime.bigint();
        cpu = process.cpuUsage();
        console.log('warm');
      }
      if (++mine === 2 * count) break;
    }
  }));
  report(started, cpu, received - warmUp);
}

(mode === 'rpc' ? rpc() : subscribe()).catch((error) => {
  console.error(error.stack || String(error));
  process.exit(1);
});
