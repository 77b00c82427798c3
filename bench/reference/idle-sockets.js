// Opens N SocketCluster sockets to a server, handshakes them, answers pings, holds them for S seconds, closes them.
// node idle-sockets.js ws://127.0.0.1:8000/socketcluster/ N S
const WebSocket = require('ws');
const [url, count = '2000', seconds = '10'] = process.argv.slice(2);
let open = 0;
const sockets = [];
function connect(i) {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.on('open', () => ws.send(JSON.stringify({event: '#handshake', data: {}, cid: 1})));
    ws.on('message', (data) => {
      const text = data.toString();
      if (text === '') { ws.send(''); return; }          // protocol 2 ping
      if (text === '#1') { ws.send('#2'); return; }      // protocol 1 ping
      if (text.startsWith('{"rid":1')) { open++; resolve(); }
    });
    ws.on('error', () => resolve());
    sockets.push(ws);
  });
}
(async () => {
  for (let i = 0; i < Number(count); i += 100) {
    await Promise.all(Array.from({length: Math.min(100, Number(count) - i)}, (_, j) => connect(i + j)));
  }
  console.log(`open ${open}`);
  await new Promise((r) => setTimeout(r, Number(seconds) * 1000));
  for (const ws of sockets) ws.close();
  console.log('closed');
  setTimeout(() => process.exit(0), 500);
})();
