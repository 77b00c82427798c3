// The widest fan-out's subscribers: opens N SocketCluster sockets (raw `ws`, no client library, so the load costs as
// little as it can), handshakes them, subscribes each to one channel, answers pings, and records for every publication
// (data {i, t}: its index and the publisher's clock when it was sent, ms since the epoch) how many sockets got it and
// when the last one did. Prints "ready" once every socket is subscribed; on "report" from stdin prints one JSON line
// {sockets, received: [count per publication], last: [ms from publish to the last delivery, per publication]} and exits.
// Prints "complete" once every subscribed socket got every publication.
// node wide-subscribers.js ws://127.0.0.1:8000/socketcluster/ N channel publications
const WebSocket = require('ws');
const {performance} = require('perf_hooks');
const readline = require('readline');
const [url, countArg = '1000', channel = 'wide', publicationsArg = '100'] = process.argv.slice(2);
const count = Number(countArg);
const publications = Number(publicationsArg);
const received = new Array(publications).fill(0);
const last = new Array(publications).fill(0);
const now = () => performance.timeOrigin + performance.now();
const publication = /"i":(\d+),"t":([\d.]+)/;
const sockets = [];
let subscribed = 0;
let complete = 0;

function connect() {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, {perMessageDeflate: false});
    ws.on('open', () => ws.send(JSON.stringify({event: '#handshake', data: {}, cid: 1})));
    ws.on('message', (data) => {
      if (data.length === 0) { ws.send(''); return; }            // protocol 2 ping
      const text = data.toString('latin1');
      if (text === '#1') { ws.send('#2'); return; }              // protocol 1 ping
      const match = publication.exec(text);
      if (match) {
        const i = Number(match[1]);
        const latency = now() - Number(match[2]);
        if (i < publications) {
          if (latency > last[i]) last[i] = latency;
          if (++received[i] === subscribed && ++complete === publications) console.log('complete');
        }
        return;
      }
      if (text.startsWith('{"rid":1')) ws.send(JSON.stringify({event: '#subscribe', data: {channel}, cid: 2}));
      else if (text.startsWith('{"rid":2')) {
        if (text.includes('"error"')) console.error(`subscribe failed: ${text}`);
        else subscribed++;
        resolve();
      }
    });
    ws.on('error', (error) => { console.error(`socket error: ${error.message}`); resolve(); });
    sockets.push(ws);
  });
}

(async () => {
  for (let i = 0; i < count; i += 200) {
    await Promise.all(Array.from({length: Math.min(200, count - i)}, connect));
  }
  if (subscribed < count) console.error(`only ${subscribed} of ${count} sockets subscribed`);
  console.log('ready');
  readline.createInterface({input: process.stdin}).on('line', (line) => {
    if (line.trim() !== 'report') return;
    console.log(JSON.stringify({sockets: subscribed, received, last: last.map((ms) => Math.round(ms * 1000) / 1000)}));
    for (const ws of sockets) ws.terminate();
    setTimeout(() => process.exit(0), 200);
  });
})();
