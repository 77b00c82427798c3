// The AGServer dashboard: a socketcluster-client of the server it shows. It logs in with the dashboard secret
// (agserver/admin/login), loads each node's last 15 minutes (agserver/admin/series), then reads
// agserver/admin/overview every second and draws it: charts per node (uPlot), the cluster, channels, sockets.
import * as socketClusterClient from '/agserver/socketcluster-client.min.js';

(() => {
  const socket = socketClusterClient.create({hostname: location.hostname, port: location.port, secure: location.protocol === 'https:'});
  const $ = (id) => document.getElementById(id);
  const WINDOW_MS = 15 * 60 * 1000;
  const samples = new Map(); // node -> figures, oldest first (the last 15 minutes)
  let timer = null;
  let searchText = null;
  let openChannel = null;

  // ---- charts: one per figure, one line per node ----
  const perSecond = (key) => (previous, current) =>
    previous && current.at > previous.at ? Math.max(0, (current[key] - previous[key]) * 1000 / (current.at - previous.at)) : null;
  const CHARTS = [
    {id: 'connections', title: 'Connections', value: (_, c) => c.connections},
    {id: 'messages-in', title: 'Messages in /s', value: perSecond('messagesReceived')},
    {id: 'messages-out', title: 'Messages out /s', value: perSecond('messagesSent')},
    {id: 'rpcs', title: 'RPCs /s', value: perSecond('invokesReceived')},
    {id: 'deliveries', title: 'Deliveries /s', value: perSecond('deliveries')},
    {id: 'errors', title: 'RPC errors /s', value: perSecond('rpcErrors')},
    {id: 'rate-limited', title: 'Rate-limit hits /s', value: perSecond('rateLimited')},
    {id: 'memory', title: 'Memory (RSS) MB', value: (_, c) => c.rssBytes / 1048576},
    {id: 'heap', title: 'GC heap MB', value: (_, c) => c.gcHeapBytes / 1048576},
    {id: 'cpu', title: 'CPU %', value: (p, c) => p && c.at > p.at ? Math.max(0, (c.cpuMilliseconds - p.cpuMilliseconds) * 100 / (c.at - p.at)) : null},
  ];
  const COLORS = ['#1a73e8', '#d93025', '#188038', '#f29900', '#9334e6', '#12b5cb', '#e8710a', '#5f6368'];
  const plots = new Map(); // chart id -> {plot, nodes}

  function addSample(node, figures) {
    const list = samples.get(node) || [];
    if (list.length && list[list.length - 1].at >= figures.at) return;
    list.push(figures);
    const from = figures.at - WINDOW_MS;
    while (list.length && list[0].at < from) list.shift();
    samples.set(node, list);
  }

  function chartData(chart, nodes) {
    const times = new Set();
    const values = nodes.map((node) => {
      const byTime = new Map();
      const list = samples.get(node) || [];
      list.forEach((current, i) => {
        const t = Math.round(current.at / 1000);
        times.add(t);
        byTime.set(t, chart.value(list[i - 1], current));
      });
      return byTime;
    });
    const x = [...times].sort((a, b) => a - b);
    return [x, ...values.map((byTime) => x.map((t) => byTime.has(t) ? byTime.get(t) : null))];
  }

  const label = (node) => node.replace(/^akka\.tcp:\/\/[^@]*@/, '');

  // One legend for every chart: a colour per node.
  function drawLegend(nodes) {
    $('chart-legend').replaceChildren(...nodes.map((node, i) => {
      const item = document.createElement('span');
      item.className = 'legend-item';
      item.dataset.node = node;
      item.style.setProperty('--color', COLORS[i % COLORS.length]);
      item.textContent = label(node);
      return item;
    }));
  }

  function drawCharts() {
    const nodes = [...samples.keys()].sort();
    const grid = $('chart-grid');
    drawLegend(nodes);
    for (const chart of CHARTS) {
      const data = chartData(chart, nodes);
      let entry = plots.get(chart.id);
      if (!entry || entry.nodes.join() !== nodes.join()) {
        entry?.plot.destroy();
        let box = $(`chart-${chart.id}`);
        if (!box) {
          box = document.createElement('div');
          box.className = 'chart';
          box.id = `chart-${chart.id}`;
          const title = document.createElement('h3');
          title.textContent = chart.title;
          box.append(title);
          grid.append(box);
        }
        const plot = new uPlot({
          width: 300, height: 150, legend: {show: false},
          scales: {x: {time: true}, y: {range: (_, min, max) => [0, Math.max(1, max * 1.1)]}},
          axes: [{space: 60}, {size: 50}],
          series: [{}, ...nodes.map((node, i) => ({label: label(node), stroke: COLORS[i % COLORS.length], spanGaps: true, width: 1.5}))],
        }, data, box);
        entry = {plot, nodes};
        plots.set(chart.id, entry);
      } else {
        entry.plot.setData(data);
      }
      // For tests and curious operators: how many points, and the newest one's time.
      const box = $(`chart-${chart.id}`);
      box.dataset.series = String(nodes.length);
      box.dataset.points = String(data[0].length);
      box.dataset.last = String(data[0][data[0].length - 1] ?? '');
    }
  }

  // ---- tables ----
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
  const button = (text, onclick) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = text;
    b.onclick = onclick;
    const td = document.createElement('td');
    td.append(b);
    return td;
  };
  const fixed = (value) => value == null ? '' : value.toFixed(1);

  function draw(overview) {
    $('self').textContent = overview.self;
    $('leader').textContent = overview.leader || 'none';
    $('updated').textContent = new Date(overview.at).toLocaleTimeString();
    for (const node of overview.nodes) if (node.stats) addSample(node.address, node.stats);
    rows($('nodes').tBodies[0], overview.nodes, (tr, node) => {
      tr.dataset.node = node.address;
      const list = samples.get(node.address) || [];
      const current = node.stats;
      const previous = current && list.length > 1 ? list[list.length - 2] : null;
      const rate = (key) => current ? fixed(perSecond(key)(previous, current)) : '';
      tr.append(
        cell(node.address + (node.address === overview.leader ? ' (leader)' : '')),
        cell(node.reachable ? node.status : `${node.status} (unreachable)`, `status-${node.status}`),
        cell(node.roles.join(', ')),
        cell(current ? String(current.connections) : '?', 'number connections'),
        cell(rate('messagesReceived'), 'number'),
        cell(rate('messagesSent'), 'number'),
        cell(rate('invokesReceived'), 'number rpcs'),
        cell(current ? fixed(current.rssBytes / 1048576) : '', 'number rss'),
        cell(current ? fixed(CHARTS.find((c) => c.id === 'cpu').value(previous, current)) : '', 'number cpu'));
    });
    rows($('channels').tBodies[0], overview.channels, (tr, channel) => {
      tr.dataset.channel = channel.channel;
      const name = document.createElement('td');
      const link = document.createElement('a');
      link.href = '#channel-panel';
      link.textContent = channel.channel;
      link.onclick = () => showChannel(channel.channel);
      name.append(link);
      tr.append(name, cell(String(channel.subscribers), 'number subscribers'),
        cell(channel.users == null ? '' : String(channel.users), 'number users'));
    });
    rows($('slow').tBodies[0], overview.slowConsumers, (tr, slow) => {
      tr.append(cell(slow.socketId), cell(slow.node), cell(String(slow.queuedFrames), 'number'), button('Disconnect', () => disconnect(slow.socketId)));
    });
    drawCharts();
  }

  async function refresh() {
    try {
      draw(await socket.invoke('agserver/admin/overview'));
    } catch (error) {
      $('updated').textContent = `failed: ${error.message}`;
    }
    // Open views stay live: a channel's members and history, a search's sockets.
    if (openChannel) await showChannel(openChannel, true);
    if (searchText) await search(searchText, true);
  }

  async function loadSeries() {
    try {
      const series = await socket.invoke('agserver/admin/series');
      for (const node of series.nodes) for (const figures of node.samples) addSample(node.node, figures);
    } catch (error) {
      $('updated').textContent = `no history: ${error.message}`;
    }
  }

  // ---- channel page ----
  async function showChannel(name, quiet) {
    openChannel = name;
    $('channel-name').value = name;
    try {
      const channel = await socket.invoke('agserver/admin/channel', {channel: name});
      $('channel-error').textContent = '';
      $('channel-view').hidden = false;
      $('channel-title').textContent = channel.channel;
      const total = channel.nodes.reduce((sum, n) => sum + (n.subscribers || 0), 0);
      $('channel-summary').textContent = `${total} subscribers` + (channel.presence ? ` · ${channel.presence.users} users present` : '');
      rows($('channel-nodes').tBodies[0], channel.nodes, (tr, n) => {
        tr.dataset.node = n.node;
        tr.append(cell(n.node), cell(n.subscribers == null ? '?' : String(n.subscribers), 'number subscribers'));
      });
      rows($('channel-members').tBodies[0], channel.presence ? channel.presence.members : [], (tr, m) => {
        tr.dataset.socket = m.socketId;
        tr.append(cell(m.socketId), cell(m.userId || ''), cell(m.node, 'node'));
      });
      if (!channel.presence) rows($('channel-members').tBodies[0], [null], (tr) => tr.append(cell('No presence on this channel (AGServer:Channels)', 'muted')));
      $('channel-epoch').textContent = channel.history ? `epoch ${channel.history.epoch}, offset ${channel.history.offset}` : '';
      rows($('channel-history').tBodies[0], channel.history ? channel.history.publications.slice().reverse() : [], (tr, p) => {
        const data = document.createElement('pre');
        data.className = 'data';
        data.textContent = JSON.stringify(p.data);
        const td = document.createElement('td');
        td.append(data);
        tr.append(cell(String(p.offset), 'number'), td);
      });
      if (!channel.history) rows($('channel-history').tBodies[0], [null], (tr) => tr.append(cell('No history on this channel (AGServer:Channels)', 'muted')));
    } catch (error) {
      if (!quiet) $('channel-error').textContent = error.message;
    }
  }

  $('channel-form').onsubmit = (event) => {
    event.preventDefault();
    showChannel($('channel-name').value.trim());
  };
  $('channel-publish-form').onsubmit = async (event) => {
    event.preventDefault();
    await publish(openChannel, $('channel-publish-data').value);
    await showChannel(openChannel, true);
  };

  // ---- sockets and users ----
  let found = [];
  async function search(text, quiet) {
    searchText = text;
    try {
      found = (await socket.invoke('agserver/admin/search', {text})).sockets;
      const nodes = new Set(found.map((s) => s.node));
      $('search-summary').textContent = `${found.length} socket(s) on ${nodes.size} node(s) for "${text}"`;
      rows($('search-results').tBodies[0], found, (tr, s) => {
        tr.dataset.socket = s.socketId;
        const user = document.createElement('td');
        if (s.userId) {
          const link = document.createElement('a');
          link.href = '#actions';
          link.textContent = s.userId;
          link.onclick = () => { $('user-id').value = s.userId; };
          user.append(link);
        }
        tr.append(cell(s.socketId), user, cell(s.node, 'node'), cell(s.remoteAddress || ''), cell(String(s.subscriptions), 'number'),
          button('Disconnect', () => disconnect(s.socketId)));
      });
      $('disconnect-found').hidden = found.length === 0;
    } catch (error) {
      if (!quiet) $('search-summary').textContent = `Search failed: ${error.message}`;
    }
  }
  $('search-form').onsubmit = (event) => {
    event.preventDefault();
    search($('search-text').value.trim());
  };
  $('disconnect-found').onclick = async () => {
    for (const s of found) await disconnect(s.socketId);
    await search(searchText, true);
  };

  // ---- actions ----
  async function disconnect(socketId) {
    try {
      await socket.invoke('agserver/admin/disconnect', {socketId});
      $('action-result').textContent = `Disconnected ${socketId}`;
    } catch (error) {
      $('action-result').textContent = `Disconnect failed: ${error.message}`;
    }
  }

  async function publish(channel, text) {
    let data = text;
    try { data = JSON.parse(text); } catch { /* plain text */ }
    try {
      await socket.invoke('agserver/admin/publish', {channel, data});
      $('action-result').textContent = `Published to ${channel}`;
    } catch (error) {
      $('action-result').textContent = `Publish failed: ${error.message}`;
    }
  }

  $('login-form').onsubmit = async (event) => {
    event.preventDefault();
    try {
      await socket.invoke('agserver/admin/login', {secret: $('secret').value});
      $('login').hidden = true;
      $('live').hidden = false;
      await loadSeries();
      await refresh();
      timer = timer || setInterval(refresh, 1000);
    } catch (error) {
      $('login-error').textContent = error.message;
    }
  };

  $('publish-form').onsubmit = async (event) => {
    event.preventDefault();
    await publish($('publish-channel').value, $('publish-data').value);
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
