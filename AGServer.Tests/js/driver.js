// Drives the real socketcluster-client for the C# tests. One JSON command per stdin line:
//   {"id": n, "op": "...", ...}   answered by {"id": n, "ok": true, "result": ...} or {"id": n, "ok": false, "error": {...}}
// Client events are pushed as {"event": name, "client": c, "data": ...}.
const readline = require('readline');
const socketClusterClient = require('socketcluster-client');
const jwt = require('jsonwebtoken');

const clients = new Map();
const loops = new Map();
const tracks = new Map();
const follows = new Map();
const out = (message) => process.stdout.write(JSON.stringify(message) + '\n');
const dehydrate = (error) => error && {name: error.name, message: error.message, ...error};
const push = (client, event, data) => out({event, client, data});

const LISTENED = ['connect', 'connectAbort', 'disconnect', 'close', 'error', 'subscribe', 'subscribeFail',
  'unsubscribe', 'kickOut', 'authenticate', 'deauthenticate', 'authStateChange', 'removeAuthToken'];

function listen(name, socket) {
  for (const event of LISTENED) {
    (async () => {
      for await (const data of socket.listener(event)) {
        const copy = {...data};
        if (copy.error) copy.error = dehydrate(copy.error);
        if (copy.authError) copy.authError = dehydrate(copy.authError);
        if (event === 'connect') copy.authToken = socket.authToken;
        push(name, event, copy);
      }
    })();
  }
}

function client(name) {
  const socket = clients.get(name);
  if (!socket) throw new Error(`No client ${name}`);
  return socket;
}

const ops = {
  // Creates a client. With `storedToken`, the token is in the client's storage before it connects,
  // as if saved by an earlier session, so it goes out in the handshake.
  async create({client: name, port, options, storedToken}) {
    const settings = {hostname: 'localhost', port, ...options};
    if (storedToken) settings.autoConnect = false;
    const socket = socketClusterClient.create(settings);
    clients.set(name, socket);
    listen(name, socket);
    if (storedToken) {
      await socket.auth.saveToken(socket.authTokenName, storedToken, {});
      socket.connect();
    }
    return true;
  },
  async connected({client: name}) {
    const socket = client(name);
    if (socket.state !== 'open') await socket.listener('connect').once();
    return {id: socket.id, state: socket.state, authToken: socket.authToken};
  },
  async invoke({client: name, procedure, data, ackTimeout}) {
    return client(name).invoke(procedure, data, ackTimeout == null ? undefined : {ackTimeout});
  },
  // Fires `count` invokes of `procedure` at once (data 0..count-1), so they leave in one tick, and waits for all.
  async invokeMany({client: name, procedure, count}) {
    const socket = client(name);
    return Promise.all(Array.from({length: count}, (_, i) => socket.invoke(procedure, i)));
  },
  // Creates a client and, without waiting for its handshake, fires `count` invokes of `procedure` (the client sends
  // them right after the handshake); answers how many were answered and the first error of those that were not.
  async connectAndInvoke({client: name, port, procedure, count, ackTimeout}) {
    const options = {hostname: 'localhost', port, autoReconnect: false};
    if (ackTimeout != null) options.ackTimeout = ackTimeout;
    const socket = socketClusterClient.create(options);
    clients.set(name, socket);
    const results = await Promise.allSettled(Array.from({length: count}, (_, i) => socket.invoke(procedure, i)));
    const failed = results.filter((r) => r.status === 'rejected');
    return {answered: results.length - failed.length, failed: failed.length,
      firstError: failed.length ? dehydrate(failed[0].reason) : null, values: results.filter((r) => r.status === 'fulfilled').map((r) => r.value).slice(0, 3)};
  },
  async transmit({client: name, event, data}) {
    await client(name).transmit(event, data);
    return true;
  },
  async receiver({client: name, receiver}) {
    (async () => {
      for await (const data of client(name).receiver(receiver)) push(name, 'receiver:' + receiver, data);
    })();
    return true;
  },
  // Answers server invokes of `procedure`: reply 'echo' (with the data), 'error' (an error) or 'ignore'.
  async procedure({client: name, procedure, reply}) {
    (async () => {
      for await (const request of client(name).procedure(procedure)) {
        push(name, 'procedure:' + procedure, request.data);
        if (reply === 'echo') request.end(request.data);
        else if (reply === 'error') {
          const error = new Error('Client refused');
          error.name = 'ClientRefusedError';
          request.error(error);
        }
      }
    })();
    return true;
  },
  async subscribe({client: name, channel, options}) {
    const socket = client(name);
    const subscription = socket.subscribe(channel, options);
    (async () => {
      for await (const data of subscription) push(name, 'channel:' + channel, data);
    })();
    if (!options || !options.noWait) await subscription.listener('subscribe').once();
    return subscription.state;
  },
  async unsubscribe({client: name, channel}) {
    await client(name).unsubscribe(channel);
    return true;
  },
  async transmitPublish({client: name, channel, data}) {
    await client(name).transmitPublish(channel, data);
    return true;
  },
  async invokePublish({client: name, channel, data}) {
    await client(name).invokePublish(channel, data);
    return true;
  },
  async subscriptions({client: name, includePending}) {
    return client(name).subscriptions(includePending);
  },
  async authenticate({client: name, token}) {
    return client(name).authenticate(token);
  },
  async deauthenticate({client: name}) {
    await client(name).deauthenticate();
    return true;
  },
  async state({client: name}) {
    const socket = client(name);
    return {id: socket.id, state: socket.state, authState: socket.authState, authToken: socket.authToken,
      signedAuthToken: socket.signedAuthToken};
  },
  // Records every frame the client receives (the 'message' event), to see batches.
  async recordMessages({client: name}) {
    (async () => {
      for await (const data of client(name).listener('message')) push(name, 'message', {message: String(data.message)});
    })();
    return true;
  },
  async connect({client: name}) {
    const socket = client(name);
    socket.connect();
    await socket.listener('connect').once();
    return {id: socket.id};
  },
  async reconnect({client: name}) {
    const socket = client(name);
    socket.reconnect();
    await socket.listener('connect').once();
    return {id: socket.id};
  },
  // Returns once the client's loops have taken every publication that had arrived (a client that moves to another
  // node reads its position after that).
  async disconnect({client: name, code, reason}) {
    const socket = client(name);
    socket.disconnect(code, reason);
    do await new Promise((resolve) => setImmediate(resolve)); while (socket.getAllChannelOutputsBackpressure() > 0);
    return true;
  },
  async destroy({client: name}) {
    const socket = client(name);
    socket.disconnect();
    socket.killAllListeners();
    clients.delete(name);
    return true;
  },
  // Publishes `count` messages {n: i} (with `tag` when given) on `channel` as fast as the client can.
  async publishMany({client: name, channel, count, tag}) {
    const socket = client(name);
    for (let i = 0; i < count; i++) socket.transmitPublish(channel, tag == null ? {n: i} : {tag, n: i});
    return true;
  },
  // Starts publishing {n, at} on every channel of `channels` each `intervalMs`, with invokePublish, until stopLoop.
  async publishLoop({client: name, channels, intervalMs}) {
    const socket = client(name);
    const loop = {sent: 0, failed: [], stop: false};
    loops.set(name, loop);
    (async () => {
      for (let n = 0; !loop.stop; n++) {
        await Promise.all(channels.map(async (channel) => {
          try {
            await socket.invokePublish(channel, {n, at: Date.now()});
          } catch (error) {
            loop.failed.push({channel, n, error: dehydrate(error)});
          }
        }));
        loop.sent = n + 1;
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
      }
      loop.done();
    })();
    loop.finished = new Promise((resolve) => { loop.done = resolve; });
    return true;
  },
  // Stops a publishLoop; answers how many rounds went out and which publishes failed.
  async stopLoop({client: name}) {
    const loop = loops.get(name);
    loop.stop = true;
    await loop.finished;
    return {sent: loop.sent, failed: loop.failed};
  },
  // Subscribes to every channel of `channels` and records, per channel, the `n` of each message and the longest
  // time between two arrivals.
  async track({client: name, channels}) {
    const socket = client(name);
    const tracked = {};
    tracks.set(name, tracked);
    await Promise.all(channels.map(async (channel) => {
      const record = tracked[channel] = {ns: [], maxGapMs: 0, last: null};
      const subscription = socket.subscribe(channel);
      (async () => {
        for await (const data of subscription) {
          const now = Date.now();
          if (record.last != null) record.maxGapMs = Math.max(record.maxGapMs, now - record.last);
          record.last = now;
          record.ns.push(data.n);
        }
      })();
      await subscription.listener('subscribe').once();
    }));
    return true;
  },
  async trackReport({client: name}) {
    const tracked = tracks.get(name);
    return Object.fromEntries(Object.entries(tracked).map(([channel, r]) => [channel, {ns: r.ns, maxGapMs: r.maxGapMs}]));
  },
  // Follows a channel with recovery, with the README's client code: the subscribe data is the position object the
  // loop keeps current, so every automatic re-subscribe sends where the client is. `position` continues another
  // client's (a client that moved to another node).
  async follow({client: name, channel, position}) {
    const socket = client(name);
    const state = {position: position || {}, items: [], raw: []};
    follows.set(`${name} ${channel}`, state);
    const subscription = socket.subscribe(channel, {data: state.position});
    (async () => {
      for await (const event of subscription.listener('subscribe')) state.raw.push({subscribed: Date.now()}); // a seam
    })();
    (async () => {
      for await (const message of subscription) {
        state.raw.push(message.unrecoverable ? {unrecoverable: true} : {epoch: message.epoch, offset: message.offset}); // as sent, before the loop
        if (message.unrecoverable) {            // checked first, as the README's loop does: it is kept, and a fresh start follows
          delete state.position.epoch;
          delete state.position.offset;
          state.items.push(message);
          continue;
        }
        if (message.epoch === state.position.epoch && message.offset <= state.position.offset) continue; // had it
        state.position.epoch = message.epoch;
        state.position.offset = message.offset;
        state.items.push(message);
      }
    })();
    await subscription.listener('subscribe').once();
    return true;
  },
  async followed({client: name, channel}) {
    return follows.get(`${name} ${channel}`);
  },
  // Opens `count` clients and makes each invoke `procedure` as soon as it is created (before it has connected).
  async burst({port, count, procedure, prefix}) {
    const results = await Promise.all(Array.from({length: count}, async (_, i) => {
      const name = `${prefix}${i}`;
      const socket = socketClusterClient.create({hostname: 'localhost', port, autoReconnect: false});
      clients.set(name, socket);
      try {
        return await socket.invoke(procedure, {i});
      } catch (error) {
        return {error: dehydrate(error)};
      }
    }));
    return results;
  },
  // jsonwebtoken, the library socketcluster-server signs and verifies with, for interop checks.
  async signJwt({payload, key, options}) {
    return jwt.sign(payload, key, options || {});
  },
  async verifyJwt({token, key, options}) {
    return jwt.verify(token, key, options || {});
  },
  async destroyAll() {
    for (const socket of clients.values()) {
      socket.disconnect();
      socket.killAllListeners();
    }
    clients.clear();
    return true;
  },
};

readline.createInterface({input: process.stdin}).on('line', async (line) => {
  let command;
  try {
    command = JSON.parse(line);
  } catch (e) {
    return;
  }
  try {
    const result = await ops[command.op](command);
    out({id: command.id, ok: true, result: result === undefined ? null : result});
  } catch (error) {
    out({id: command.id, ok: false, error: dehydrate(error)});
  }
}).on('close', () => process.exit(0));
out({ready: true});
