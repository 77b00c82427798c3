// The AGServer dashboard: a socketcluster-client of the server it shows. It logs in with the dashboard secret
// (agserver/admin/login), then reads agserver/admin/overview every second and draws it.
import * as socketClusterClient from '/agserver/socketcluster-client.min.js';

(() => {
  const socket = socketClusterClient.create({hostname: location.hostname, port: location.port, secure: location.protocol === 'https:'});
  const $ = (id) => document.getElementById(id);
  const previous = new Map(); // node -> {at, received, sent}, for rates
  let timer = null;

  const cell = (text, className) => {
    const td = document.createElement('td');
    td.textContent = text;
    if (className) td.className = className;
    return td;
  };
  const rows = (tbody, items, fill) => {
    tbody.replaceChildren(...items.map((item) => {
      const tr = document.createElement('tr');
      fill(tr, item);
      return tr;
    }));
  };

  function draw(overview) {
    $('self').textContent = overview.self;
    $('updated').textContent = new Date(overview.at).toLocaleTimeString();
    rows($('nodes').tBodies[0], overview.nodes, (tr, node) => {
      tr.dataset.node = node.address;
      const stats = node.stats;
      let inRate = '', outRate = '', rpcRate = '';
      if (stats) {
        const before = previous.get(node.address);
        if (before && overview.at > before.at) {
          const seconds = (overview.at - before.at) / 1000;
          inRate = ((stats.messagesReceived - before.received) / seconds).toFixed(1);
          outRate = ((stats.messagesSent - before.sent) / seconds).toFixed(1);
          rpcRate = ((stats.invokesReceived - before.invokes) / seconds).toFixed(1);
        }
        previous.set(node.address, {at: overview.at, received: stats.messagesReceived, sent: stats.messagesSent, invokes: stats.invokesReceived});
      }
      tr.append(
        cell(node.address),
        cell(node.reachable ? node.status : `${node.status} (unreachable)`, `status-${node.status}`),
        cell(stats ? String(stats.connections) : '?', 'number connections'),
        cell(inRate, 'number'),
        cell(outRate, 'number'),
        cell(rpcRate, 'number rpcs'));
    });
    rows($('channels').tBodies[0], overview.channels, (tr, channel) => {
      tr.dataset.channel = channel.channel;
      tr.append(cell(channel.channel), cell(String(channel.subscribers), 'number subscribers'),
        cell(channel.users == null ? '' : String(channel.users), 'number users'));
    });
    rows($('slow').tBodies[0], overview.slowConsumers, (tr, slow) => {
      const button = document.createElement('button');
      button.textContent = 'Disconnect';
      button.onclick = () => disconnect(slow.socketId);
      const action = document.createElement('td');
      action.append(button);
      tr.append(cell(slow.socketId), cell(slow.node), cell(String(slow.queuedFrames), 'number'), action);
    });
  }

  async function refresh() {
    try {
      draw(await socket.invoke('agserver/admin/overview'));
    } catch (error) {
      $('updated').textContent = `failed: ${error.message}`;
    }
  }

  async function disconnect(socketId) {
    try {
      await socket.invoke('agserver/admin/disconnect', {socketId});
      $('action-result').textContent = `Disconnected ${socketId}`;
    } catch (error) {
      $('action-result').textContent = `Disconnect failed: ${error.message}`;
    }
  }

  $('login-form').onsubmit = async (event) => {
    event.preventDefault();
    try {
      await socket.invoke('agserver/admin/login', {secret: $('secret').value});
      $('login').hidden = true;
      $('live').hidden = false;
      await refresh();
      timer = timer || setInterval(refresh, 1000);
    } catch (error) {
      $('login-error').textContent = error.message;
    }
  };

  $('publish-form').onsubmit = async (event) => {
    event.preventDefault();
    const text = $('publish-data').value;
    let data = text;
    try { data = JSON.parse(text); } catch { /* plain text */ }
    try {
      await socket.invoke('agserver/admin/publish', {channel: $('publish-channel').value, data});
      $('action-result').textContent = `Published to ${$('publish-channel').value}`;
    } catch (error) {
      $('action-result').textContent = `Publish failed: ${error.message}`;
    }
  };

  // Revoke a user's tokens, block or unblock a user: cluster-wide, done once a majority of the nodes hold it.
  async function userAction(action, done) {
    const userId = $('user-id').value.trim();
    const minutes = Number($('block-minutes').value) || undefined;
    try {
      await socket.invoke(`agserver/admin/${action}`, {userId, minutes});
      $('action-result').textContent = `${done} ${userId}`;
    } catch (error) {
      $('action-result').textContent = `${done} failed: ${error.message}`;
    }
  }
  $('user-form').onsubmit = (event) => event.preventDefault();
  $('revoke-user').onclick = () => userAction('revoke', 'Revoked the tokens of');
  $('block-user').onclick = () => userAction('block', 'Blocked');
  $('unblock-user').onclick = () => userAction('unblock', 'Unblocked');

  $('disconnect-form').onsubmit = (event) => {
    event.preventDefault();
    disconnect($('disconnect-id').value);
  };

  // A reconnect (after a node restart, say) loses the server-side login: log in again with the same secret.
  (async () => {
    for await (const _ of socket.listener('connect')) {
      if (!$('live').hidden) {
        try { await socket.invoke('agserver/admin/login', {secret: $('secret').value}); } catch { /* shown on refresh */ }
      }
    }
  })();
})();
