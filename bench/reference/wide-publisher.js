// The widest fan-out's publisher: one SocketCluster socket that publishes P publications to one channel, one every
// interval ms, each carrying {i, t} (its index, and the clock when it was sent, ms since the epoch). Prints "done"
// after the last, then exits.
// node wide-publisher.js ws://127.0.0.1:8000/socketcluster/ channel publications intervalMs
const WebSocket = require('ws');
const {performance} = require('perf_hooks');
const [url, channel = 'wide', publicationsArg = '100', intervalArg = '1000'] = process.argv.slice(2);
const publications = Number(publicationsArg);
const interval = Number(intervalArg);
const ws = new WebSocket(url, {perMessageDeflate: false});
ws.on('open', () => ws.send(JSON.stringify({event: '#handshake', data: {}, cid: 1})));
ws.on('error', (error) => { console.error(`publisher error: ${error.message}`); process.exit(1); });
let started = false;
ws.on('message', (data) => {
  const text = data.toString();
  if (text === '') { ws.send(''); return; }
  if (text === '#1') { ws.send('#2'); return; }
  if (started || !text.startsWith('{"rid":1')) return;
  started = true;
  let i = 0;
  const publish = () => {
    const t = performance.timeOrigin + performance.now();
    ws.send(JSON.stringify({event: '#publish', data: {channel, data: {i, t}}}));
    if (++i < publications) setTimeout(publish, interval);
    else setTimeout(() => { console.log('done'); ws.close(); setTimeout(() => process.exit(0), 200); }, interval);
  };
  publish();
});
