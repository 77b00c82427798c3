#!/usr/bin/env bash
# Starts three AGServer.Conformance nodes on this machine as one cluster, shows cross-node pub/sub with the
# real socketcluster-client, then stops them with SIGTERM (graceful: sockets closed with 1001, cluster left).
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
  dotnet "$app" --port "800$i" --cluster-port "405$i" --hostname 127.0.0.1 --seed 127.0.0.1:4051 >"$logs/node$i.log" 2>&1 &
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
