/**
 * The chat page: plain HTML, and one script, `page/main.ts`, bundled by
 * esbuild when the server starts (`bundlePage()`, in memory) and served at
 * GET /main.js. The script and the one style carry the request's CSP nonce
 * (`secureHeaders()` sends a CSP that allows nothing inline without it).
 */
import { fileURLToPath } from 'node:url';

/** Where the page loads its script from: GET /main.js. */
export const PAGE_SCRIPT = 'main.js';

export const page = (nonce: string): string =>
  PAGE.replace('<style>', `<style nonce="${nonce}">`).replace('<script ', `<script nonce="${nonce}" `);

/**
 * Bundle `page/main.ts` (and the typed client it imports) for browsers: one
 * minified ES module, built in memory. The page imports only types from the
 * server's modules, so no server code ends up in it.
 */
export async function bundlePage(): Promise<string> {
  const { build } = await import('esbuild'); // a dev tool: loaded only by servers that serve the page
  const out = await build({
    entryPoints: [fileURLToPath(new URL('./page/main.ts', import.meta.url))],
    bundle: true,
    write: false,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const file = out.outputFiles[0];
  if (file === undefined) throw new Error('bundlePage: esbuild produced no output');
  return file.text;
}

const PAGE = /* html */ `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>weft chat</title>
<style>
  * { box-sizing: border-box; }
  body { margin: 0; font: 15px/1.4 system-ui, sans-serif; background: #f4f5f7; color: #1d2330; }
  header { background: #2d3a8c; color: #fff; padding: 10px 16px; display: flex; gap: 12px; align-items: center; flex-wrap: wrap; }
  header h1 { font-size: 18px; margin: 0 12px 0 0; }
  header input { padding: 6px 8px; border-radius: 4px; border: 0; width: 140px; }
  button { padding: 6px 12px; border-radius: 4px; border: 0; background: #4f63d2; color: #fff; cursor: pointer; }
  button:disabled { background: #9aa3c7; cursor: default; }
  #status { margin-left: auto; font-size: 13px; opacity: .9; }
  main { display: grid; grid-template-columns: 1fr 200px; gap: 12px; padding: 12px; height: calc(100vh - 110px); }
  #log { background: #fff; border-radius: 6px; padding: 10px; overflow-y: auto; margin: 0; list-style: none; }
  #log li { padding: 3px 0; }
  #log .meta { color: #7a8194; font-size: 12px; margin-right: 6px; }
  #log .from { font-weight: 600; margin-right: 6px; }
  #log .notice { color: #7a8194; font-style: italic; }
  #log .error { color: #b3261e; }
  aside { background: #fff; border-radius: 6px; padding: 10px; overflow-y: auto; }
  aside h2 { font-size: 14px; margin: 0 0 8px; }
  #users { list-style: none; margin: 0; padding: 0; }
  #users li { padding: 2px 0; }
  form#send { display: flex; gap: 8px; padding: 0 12px 12px; }
  form#send input { flex: 1; padding: 8px; border-radius: 4px; border: 1px solid #c9cdd8; }
</style>
</head>
<body>
<header>
  <h1>weft chat</h1>
  <form id="join">
    <label>Name <input id="name" maxlength="32" pattern="[A-Za-z0-9_-]{1,32}" placeholder="your name"></label>
    <label>Room <input id="room" maxlength="32" pattern="[a-z0-9-]{1,32}" value="lobby"></label>
    <button id="connect" type="submit">Join</button>
  </form>
  <span id="status">not connected</span>
</header>
<main>
  <ul id="log" aria-live="polite"></ul>
  <aside><h2>In this room</h2><ul id="users"></ul></aside>
</main>
<form id="send">
  <input id="text" maxlength="2000" placeholder="Say something" autocomplete="off" disabled>
  <button id="sendBtn" type="submit" disabled>Send</button>
</form>
<script type="module" src="/${PAGE_SCRIPT}"></script>
</body>
</html>
`;
