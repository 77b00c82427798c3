#!/usr/bin/env bash
# Starts three AGServer.Conformance nodes on this machine as one cluster, shows cross-node pub/sub with the
# real socketcluster-client, then kills node 3 with SIGKILL while node 1 publishes on 20 channels every 100 ms to
# subscribers on nodes 1 and 2 (some of those channels' entities live on node 3): it counts what the survivors
# missed (nothing) and the longest silence of any channel. Then it stops nodes 1 and 2 with SIGTERM (graceful:
# sockets closed with 1001, cluster left).
#   node 1: ws://localhost:8001/socketcluster/  cluster port 4051 (the seed)
#   node 2: ws://localhost:8002/socketcluster/  cluster port 4052
#   node 3: ws://localhost:8003/socketcluster/  cluster port 4053
set -euo pipefail
cd "$(dirname "$0")/.."

npm ci --prefix AGServer.Tests/js --no-audit --no-fund --loglevel=error >/dev/null
dotnet build -c Release AGServer.Conformance -v quiet -nologo >/dev/null
app=AGServer.Conformance/bin/Release/net10.0/AGServer.Conformance.dll
logs=$(mktemp -d)
pids=()
stop() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "nodes stopped (logs in $logs)"
}
trap stop EXIT

for i in 1 2 3; do
  dotnet "$app" --port "800$i" --cluster-port "405$i" --hostname 127.0.0.1 --seed 127.0.0.1:4051 --data-dir "$logs/data$i" >"$logs/node$i.log" 2>&1 &
  pids+=($!)
  [ "$i" = 1 ] && sleep 1
done
for i in 1 2 3; do
  until grep -q "listening on" "$logs/node$i.log"; do sleep 0.2; done
  echo "node $i: $(grep -o 'listening on .*' "$logs/node$i.log")"
done
curl -s localhost:8001/health; echo

node - <<'JS'
const path = require('path');
const sc = require(path.resolve('AGServer.Tests/js/node_modules/socketcluster-client'));
(async () => {
  const [a, b, c] = [8001, 8002, 8003].map(port => sc.create({hostname: 'localhost', port}));
  const channel = a.subscribe('demo');
  await channel.listener('subscribe').once();
  console.log('client on node 1 subscribed to "demo"');
  const got = [];
  const done = (async () => {
    for await (const data of channel) {
      got.push(data);
      console.log('node 1 received', JSON.stringify(data));
      if (got.length === 4) return;
    }
  })();
  for (const [client, node] of [[b, 2], [c, 3]]) {
    await client.invokePublish('demo', {from: `node ${node}`, n: 1});
    await client.invokePublish('demo', {from: `node ${node}`, n: 2});
  }
  await done;
  [a, b, c].forEach(s => s.disconnect());
  process.exit(0);
})();
JS

echo
echo "Crash: node 1 publishes on 20 channels every 100 ms to subscribers on nodes 1 and 2; node 3 gets SIGKILL."
KILL_PID=${pids[2]} node - <<'JS'
const path = require('path');
const sc = require(path.resolve('AGServer.Tests/js/node_modules/socketcluster-client'));
const channels = Array.from({length: 20}, (_, i) => `crash/${i}`);
(async () => {
  const publisher = sc.create({hostname: 'localhost', port: 8001});
  const subscribers = [8001, 8002].map(port => sc.create({hostname: 'localhost', port}));
  const seen = subscribers.map(() => ({count: 0, outOfOrder: 0, maxGapMs: 0}));
  await Promise.all(subscribers.map((socket, s) => Promise.all(channels.map(async (name) => {
    const channel = socket.subscribe(name);
    let last = null;
    let expected = 0;
    (async () => {
      for await (const {n} of channel) {
        const now = Date.now();
        if (last != null) seen[s].maxGapMs = Math.max(seen[s].maxGapMs, now - last);
        last = now;
        if (n !== expected) seen[s].outOfOrder++;
        expected = n + 1;
        seen[s].count++;
      }
    })();
    await channel.listener('subscribe').once();
  }))));
  let rounds = 0;
  const killAt = Date.now() + 2000;
  let killed = false;
  while (Date.now() < killAt + 12000) {
    await Promise.all(channels.map(name => publisher.invokePublish(name, {n: rounds})));
    rounds++;
    if (!killed && Date.now() >= killAt) {
      process.kill(Number(process.env.KILL_PID), 'SIGKILL');
      killed = true;
      console.log(`node 3 killed after round ${rounds}`);
    }
    await new Promise(resolve => setTimeout(resolve, 100));
  }
  await new Promise(resolve => setTimeout(resolve, 500));
  seen.forEach((s, i) => console.log(`subscriber on node ${i + 1}: ${s.count} of ${rounds * channels.length} messages,` +
    ` ${s.outOfOrder} out of order, longest silence on a channel ${s.maxGapMs} ms`));
  [publisher, ...subscribers].forEach(s => s.disconnect());
  process.exit(0);
})();
JS
