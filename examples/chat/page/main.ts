/**
 * The chat page's script, in the browser. It talks to the server through the
 * typed client: `api.chat(room).ws({ query })` opens the socket, `send` takes
 * the route's `ClientFrame`, and iterating yields its `ServerEvent`s, all read
 * from `typeof routes` (`ChatRoutes`). Bundled by esbuild at server start
 * (`bundlePage()` in ../page.ts) and served at /main.js.
 *
 * Only types come from the server's modules (`import type`, erased): the
 * bundle is this file and `src/client`, nothing else.
 *
 * The socket survives: when the connection drops the client reconnects by
 * itself and the server replays what this tab missed (DESIGN.md, "Realtime
 * that survives"). Meanwhile the status says "reconnecting…" and what you
 * send waits, to go out once back. A resumed welcome keeps the log and the
 * user list: the replay that follows brings the messages, joins and leaves
 * missed meanwhile, each once. What could not be replayed is said in the log.
 * Leave closes for good.
 */
import { client, type LostInfo } from '../../../src/client/index.js';
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
/** Open a socket in `room`; guest-N when `name` is empty. It reconnects by itself (every 5 s at most). */
const connect = (room: string, name: string) =>
  api.chat(room).ws({ query: name ? { name } : {}, reconnect: { maxDelayMs: 5000 }, onDrop, onLost });
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
/** Leave was pressed: the socket is closing for good. */
let leaving = false;
/** Who is in the room, as the welcome and the joins and leaves since say (a name twice: two tabs). */
let users: string[] = [];
/** The users of the latest welcome: the list to fall back on when the replay had a hole. */
let welcomed: string[] = [];

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
  leaving = false;
  users = [];
  renderUsers();
  setConnected(false);
  statusEl.textContent = `disconnected (${code}${reason ? ` ${reason}` : ''})`;
}

/** The connection dropped; the client is on its way back (what is sent meanwhile waits). */
function onDrop(): void {
  if (!leaving) statusEl.textContent = 'reconnecting…';
}
/** Part of what this tab missed could not be replayed: say so, and take the user list from the welcome. */
function onLost({ count }: LostInfo): void {
  const what =
    count === null
      ? 'some messages may be missing'
      : `${count} message${count === 1 ? '' : 's'} could not be recovered`;
  line([span(what)], 'notice lost');
  users = [...welcomed];
  renderUsers();
}

function handle(ev: ServerEvent): void {
  switch (ev.type) {
    case 'welcome':
      welcomed = ev.users;
      if (ev.resumed) {
        // Back after a drop: the log and the list stay; the replay that follows updates both.
        line([span('reconnected')], 'notice reconnected');
      } else {
        log.replaceChildren();
        users = [...ev.users];
        renderUsers();
        ev.history.forEach(showMessage);
        line([span(`you joined #${ev.room} as ${ev.name}`)], 'notice');
      }
      statusEl.textContent = `connected as ${ev.name} in #${ev.room}`;
      document.title = `#${ev.room} - weft chat`;
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
  if (attempt.leave) leave(sock);
  await run(sock);
}

/** Close for good: no reconnecting. */
function leave(sock: ChatSocket): void {
  leaving = true;
  sock.close(1000, 'bye');
}

$('join').addEventListener('submit', (e) => {
  e.preventDefault();
  if (socket) leave(socket);
  else if (joining) joining.leave = true;
  else void join();
});

$('send').addEventListener('submit', (e) => {
  e.preventDefault();
  const text = $('text').value;
  if (!socket || leaving || !text) return;
  try {
    socket.send({ type: 'message', text }); // reconnecting: it waits, and goes out once back
  } catch (err) {
    line([span(err instanceof Error ? err.message : String(err))], 'error'); // too many waiting already
    return;
  }
  $('text').value = '';
});
