// The AGServer demo chat: the stock socketcluster-client, a JWT login (agserver/demo/login), one channel per room
// (demo/<room>), client publishes, and the client's own reconnect (it re-subscribes by itself).
import * as socketClusterClient from '/agserver/socketcluster-client.min.js';

(() => {
  const socket = socketClusterClient.create({hostname: location.hostname, port: location.port, secure: location.protocol === 'https:'});
  const $ = (id) => document.getElementById(id);
  let name = null;
  let room = null;
  let channel = null;

  (async () => {
    for await (const _ of socket.listener('connect')) {
      $('state').textContent = 'connected';
      try { $('node').textContent = (await socket.invoke('agserver/demo/node')).node; } catch { /* shown as ? */ }
    }
  })();
  (async () => {
    for await (const _ of socket.listener('disconnect')) $('state').textContent = 'reconnecting';
  })();
  (async () => {
    for await (const {error} of socket.listener('error')) console.log(`socket error: ${error.name}: ${error.message}`);
  })();

  function show(text, className) {
    const li = document.createElement('li');
    li.textContent = text;
    li.className = className || 'message';
    $('messages').append(li);
    li.scrollIntoView();
  }

  async function join(next) {
    if (channel) channel.unsubscribe();
    room = next;
    $('current-room').textContent = room;
    $('messages').replaceChildren();
    channel = socket.subscribe(`demo/${room}`);
    const mine = channel;
    (async () => {
      for await (const data of mine) {
        if (data && typeof data === 'object' && 'text' in data) show(`${data.from}: ${data.text}`);
        else show(`(published) ${typeof data === 'string' ? data : JSON.stringify(data)}`);
      }
    })();
    await channel.listener('subscribe').once();
    show(`joined ${room}`, 'notice muted');
  }

  $('login-form').onsubmit = async (event) => {
    event.preventDefault();
    try {
      name = (await socket.invoke('agserver/demo/login', {name: $('name').value})).name;
      $('me').textContent = name;
      $('login-form').hidden = true;
      $('login-error').textContent = '';
      $('chat').hidden = false;
      await join($('room').value);
    } catch (error) {
      $('login-error').textContent = error.message;
    }
  };

  $('room-form').onsubmit = (event) => {
    event.preventDefault();
    join($('room').value);
  };

  $('message-form').onsubmit = (event) => {
    event.preventDefault();
    const text = $('text').value;
    if (!text) return;
    socket.transmitPublish(`demo/${room}`, {from: name, text});
    $('text').value = '';
  };
})();
