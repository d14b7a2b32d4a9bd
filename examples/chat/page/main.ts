/**
 * The chat page's script, in the browser. It talks to the server through the
 * typed client: `api.chat(room).ws({ query })` opens the socket, `send` takes
 * the route's `ClientFrame`, and iterating yields its `ServerEvent`s, all read
 * from `typeof routes` (`ChatRoutes`). Bundled by esbuild at server start
 * (`bundlePage()` in ../page.ts) and served at /main.js.
 *
 * Only types come from the server's modules (`import type`, erased): the
 * bundle is this file and `src/client`, nothing else.
 */
import { client } from '../../../src/client/index.js';
import type { ChatRoutes, MessageEvent, ServerEvent } from '../app.js';

// The project compiles for Node (no DOM lib, which would make the DOM global for every
// file): the little of the DOM this page uses, declared here, for this module only.
interface Elem {
  className: string;
  textContent: string | null;
  scrollTop: number;
  readonly scrollHeight: number;
  append(...nodes: Elem[]): void;
  replaceChildren(...nodes: Elem[]): void;
  addEventListener(type: 'submit', listener: (e: { preventDefault(): void }) => void): void;
}
interface Input extends Elem {
  value: string;
  disabled: boolean;
}
declare const document: {
  title: string;
  getElementById(id: string): Input | null;
  createElement(tag: 'li' | 'span'): Elem;
};
declare const location: { readonly origin: string };

const api = client<ChatRoutes>(location.origin);
/** Open a socket in `room`; guest-N when `name` is empty. */
const connect = (room: string, name: string) => api.chat(room).ws({ query: name ? { name } : {} });
type ChatSocket = Awaited<ReturnType<typeof connect>>;

function $(id: string): Input {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`the page has no #${id}`);
  return el;
}
const log = $('log');
const usersEl = $('users');
const statusEl = $('status');
let socket: ChatSocket | undefined;
/** Joining: the socket is not open yet. `leave` is set when Leave was pressed meanwhile. */
let joining: { leave: boolean } | undefined;
let users: string[] = [];

function line(children: Elem[], cls: string): void {
  const li = document.createElement('li');
  li.className = cls;
  li.append(...children);
  log.append(li);
  log.scrollTop = log.scrollHeight;
}
function span(text: string, cls?: string): Elem {
  const s = document.createElement('span');
  s.textContent = text;
  if (cls) s.className = cls;
  return s;
}
function showMessage(m: MessageEvent): void {
  const time = new Date(m.ts).toLocaleTimeString();
  line([span(time, 'meta'), span(m.from, 'from'), span(m.text)], 'message');
}
function renderUsers(): void {
  usersEl.replaceChildren(
    ...users.map((u) => {
      const li = document.createElement('li');
      li.textContent = u;
      return li;
    }),
  );
}
function setConnected(on: boolean): void {
  $('text').disabled = !on;
  $('sendBtn').disabled = !on;
  $('connect').textContent = on ? 'Leave' : 'Join';
}
function disconnected(code: number, reason: string): void {
  socket = undefined;
  users = [];
  renderUsers();
  setConnected(false);
  statusEl.textContent = `disconnected (${code}${reason ? ` ${reason}` : ''})`;
}

function handle(ev: ServerEvent): void {
  switch (ev.type) {
    case 'welcome':
      log.replaceChildren();
      users = ev.users;
      renderUsers();
      statusEl.textContent = `connected as ${ev.name} in #${ev.room}`;
      document.title = `#${ev.room} - weft chat`;
      ev.history.forEach(showMessage);
      line([span(`you joined #${ev.room} as ${ev.name}`)], 'notice');
      setConnected(true);
      break;
    case 'join':
      users.push(ev.name);
      renderUsers();
      line([span(`${ev.name} joined`)], 'notice');
      break;
    case 'leave': {
      const i = users.indexOf(ev.name);
      if (i >= 0) users.splice(i, 1);
      renderUsers();
      line([span(`${ev.name} left`)], 'notice');
      break;
    }
    case 'message':
      showMessage(ev);
      break;
    case 'error':
      line([span(ev.message)], 'error');
      break;
  }
}

/** Read events until the socket closes. A message that is not JSON is shown, and reading goes on. */
async function run(sock: ChatSocket): Promise<void> {
  for (;;) {
    try {
      for await (const ev of sock) handle(ev);
      break;
    } catch (err) {
      line([span(err instanceof Error ? err.message : String(err))], 'error');
    }
  }
  const { code, reason } = await sock.closed();
  disconnected(code, reason);
}

async function join(): Promise<void> {
  const name = $('name').value.trim();
  const room = $('room').value.trim() || 'lobby';
  statusEl.textContent = 'connecting...';
  const attempt = { leave: false };
  joining = attempt;
  let sock: ChatSocket;
  try {
    sock = await connect(room, name);
  } catch (err) {
    // Closed before it opened (refused, or the server is down): browsers report 1006.
    const code = /\((\d+)\)$/.exec(err instanceof Error ? err.message : '')?.[1];
    disconnected(Number(code ?? 1006), '');
    return;
  } finally {
    joining = undefined;
  }
  socket = sock;
  if (attempt.leave) sock.close(1000, 'bye');
  await run(sock);
}

$('join').addEventListener('submit', (e) => {
  e.preventDefault();
  if (socket) socket.close(1000, 'bye');
  else if (joining) joining.leave = true;
  else void join();
});

$('send').addEventListener('submit', (e) => {
  e.preventDefault();
  const text = $('text').value;
  if (!socket || !text) return;
  if (socket.raw.readyState === 1) socket.send({ type: 'message', text }); // closing: dropped, as a WebSocket would

  $('text').value = '';
});
