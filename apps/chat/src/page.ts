// The one page: join form, message list, input and send button. Plain browser JavaScript, inline,
// talking to ws://<same host>/ws. Everything received is shown with textContent, never as HTML.

const SCRIPT = `
const $ = (id) => document.getElementById(id);
const messages = $('messages');
const status = $('status');
let socket;
let me;

function showStatus(members) {
  status.textContent = me.name + ' in #' + me.room + ' (' + members + ' here)';
}

function show(text, kind) {
  const item = document.createElement('li');
  item.className = kind;
  item.textContent = text;
  messages.append(item);
  messages.scrollTop = messages.scrollHeight;
}

function render(message) {
  if (message.type === 'chat') {
    const time = new Date(message.time).toLocaleTimeString();
    show(message.name + ': ' + message.text, 'chat');
    messages.lastChild.title = time;
  } else if (message.type === 'presence') {
    show(message.name + (message.event === 'join' ? ' joined' : ' left') + ' (' + message.members + ' here)', 'presence');
    if (me && me.room === message.room) showStatus(message.members);
  } else if (message.type === 'joined') {
    me = { name: message.name, room: message.room };
    showStatus(message.members);
    document.body.dataset.joined = message.room;
    $('text').focus();
  } else if (message.type === 'error') {
    show('error: ' + message.message, 'error');
  }
}

function connect() {
  const scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
  socket = new WebSocket(scheme + location.host + '/ws');
  socket.onopen = () => {
    status.textContent = 'connected: pick a name and a room';
    document.body.dataset.state = 'open';
  };
  socket.onmessage = (event) => render(JSON.parse(event.data));
  socket.onclose = () => {
    status.textContent = 'disconnected';
    document.body.dataset.state = 'closed';
    delete document.body.dataset.joined;
  };
}

$('join-form').addEventListener('submit', (event) => {
  event.preventDefault();
  socket.send(JSON.stringify({ type: 'join', name: $('name').value, room: $('room').value }));
});
$('send-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const text = $('text').value;
  if (text.trim() === '' || socket.readyState !== WebSocket.OPEN) return;
  socket.send(JSON.stringify({ type: 'chat', text }));
  $('text').value = '';
});
connect();
`;

const STYLE = `
body { font: 15px/1.4 system-ui, sans-serif; margin: 0 auto; max-width: 640px; padding: 16px; color: #111; }
h1 { font-size: 20px; margin: 0 0 8px; }
form { display: flex; gap: 8px; margin: 8px 0; }
input { flex: 1; padding: 6px 8px; font: inherit; border: 1px solid #bbb; border-radius: 4px; }
button { padding: 6px 14px; font: inherit; border: 0; border-radius: 4px; background: #2563eb; color: #fff; cursor: pointer; }
#status { color: #555; font-size: 13px; }
#messages { list-style: none; padding: 8px; margin: 8px 0; height: 320px; overflow-y: auto; border: 1px solid #ddd; border-radius: 4px; background: #fafafa; }
#messages li { padding: 2px 0; }
#messages .presence { color: #6b7280; font-style: italic; }
#messages .error { color: #b91c1c; }
`;

export const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>websock chat</title>
<style>${STYLE}</style>
</head>
<body>
<h1>websock chat</h1>
<div id="status">connecting…</div>
<form id="join-form">
  <input id="name" placeholder="your name" maxlength="32" required autocomplete="off">
  <input id="room" value="lobby" placeholder="room" maxlength="32" pattern="[A-Za-z0-9_\\-]+" required>
  <button id="join" type="submit">Join</button>
</form>
<ul id="messages" aria-live="polite"></ul>
<form id="send-form">
  <input id="text" placeholder="message" maxlength="1000" autocomplete="off">
  <button id="send" type="submit">Send</button>
</form>
<script>${SCRIPT}</script>
</body>
</html>
`;
