// Quiet clients from a process of their own, on Node.js `ws` (another client stack than the bench's): each invokes
// `echo` every 50 ms, one request at a time, and records each answer's latency under the phase the bench last named.
//
//   node quiet-clients.js <ws url> <clients> [health url]
//
// With a health URL it also GETs it every 100 ms, one at a time, and records those latencies the same way.
// Prints "ready" once every client is handshaken. Reads lines on stdin: a phase name ("warm-up", "before",
// "during", "after") switches the phase; "report" prints one JSON line, { phase: { p99, count }, health: { phase:
// { p99, count } }, failed }, and exits.
'use strict';
const WebSocket = require('ws');
const readline = require('readline');

const http = require('http');

const [url, clientsArg, healthUrl] = process.argv.slice(2);
const clients = Number(clientsArg);
if (!url || !Number.isInteger(clients) || clients < 1) {
  console.error('usage: node quiet-clients.js <ws url> <clients> [health url]');
  process.exit(2);
}

const PERIOD_MS = 50;
const TIMEOUT_MS = 10000;
let phase = 'warm-up';
let running = true;
let failed = 0;
const latencies = new Map();
const healthLatencies = new Map();

function record(name, ms, into = latencies) {
  let list = into.get(name);
  if (!list) into.set(name, (list = []));
  list.push(ms);
}

function get(target) {
  return new Promise((done) => {
    const request = http.get(target, { timeout: TIMEOUT_MS }, (response) => {
      response.resume();
      response.on('end', done);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', done); // a failed check counts as the time it took
  });
}

async function probeHealth() {
  while (running) {
    const name = phase;
    const sent = process.hrtime.bigint();
    await get(healthUrl);
    record(name, Number(process.hrtime.bigint() - sent) / 1e6, healthLatencies);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function connect() {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    let waiting = null;
    socket.on('message', (data) => {
      const frame = data.toString();
      if (frame === '') { socket.send(''); return; } // protocol 2 ping
      if (waiting && frame.includes('"rid"')) {
        const answer = waiting;
        waiting = null;
        answer(!frame.includes('"error"'));
        return;
      }
      if (frame.includes('"rid":1')) resolve({ socket, call });
    });
    socket.on('error', reject);
    socket.on('open', () => socket.send(JSON.stringify({ event: '#handshake', data: { authToken: null }, cid: 1 })));

    function call(cid) {
      return new Promise((done) => {
        const timer = setTimeout(() => { waiting = null; done(false); }, TIMEOUT_MS);
        waiting = (ok) => { clearTimeout(timer); done(ok); };
        socket.send(JSON.stringify({ event: 'echo', data: cid, cid }));
      });
    }
  });
}

async function loop(client, index) {
  await new Promise((r) => setTimeout(r, (index * PERIOD_MS) / clients)); // spread over the period
  for (let cid = 2; running; cid++) {
    const name = phase;
    const sent = process.hrtime.bigint();
    const ok = await client.call(cid);
    const ms = Number(process.hrtime.bigint() - sent) / 1e6;
    if (ok) record(name, ms); else failed++;
    if (ms < PERIOD_MS) await new Promise((r) => setTimeout(r, PERIOD_MS - ms));
  }
}

function p99(list) {
  const sorted = [...list].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]; // as the bench's
}

(async () => {
  const connected = [];
  for (let i = 0; i < clients; i++) connected.push(await connect());
  const loops = connected.map((client, index) => loop(client, index));
  if (healthUrl) loops.push(probeHealth());
  console.log('ready');
  readline.createInterface({ input: process.stdin }).on('line', async (line) => {
    const command = line.trim();
    if (command !== 'report') { phase = command; return; }
    running = false;
    await Promise.all(loops);
    const report = { failed };
    for (const [name, list] of latencies) report[name] = { p99: p99(list), count: list.length };
    report.health = {};
    for (const [name, list] of healthLatencies) report.health[name] = { p99: p99(list), count: list.length };
    console.log(JSON.stringify(report));
    for (const { socket } of connected) socket.terminate();
    process.exit(0);
  });
})().catch((error) => {
  console.error(error.stack || String(error));
  process.exit(1);
});
