import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, type DefaultTheme } from 'vitepress';

// Written by `npm run docs:api` (docs/api.ts); absent until the reference is generated.
// TypeDoc nests "weft/metrics" under "weft"; the sidebar lists every entry point flat.
const apiSidebarFile = fileURLToPath(new URL('../api/typedoc-sidebar.json', import.meta.url));
const flatten = (items: DefaultTheme.SidebarItem[], prefix = ''): DefaultTheme.SidebarItem[] =>
  items.flatMap((item) => {
    const text = prefix ? `${prefix}/${item.text}` : (item.text ?? '');
    const entry: DefaultTheme.SidebarItem = item.link ? { text, link: item.link.replace(/\.md$/, '') } : { text };
    return [entry, ...flatten(item.items ?? [], text)];
  });
const apiSidebar: DefaultTheme.SidebarItem[] = existsSync(apiSidebarFile)
  ? flatten(JSON.parse(readFileSync(apiSidebarFile, 'utf8')) as DefaultTheme.SidebarItem[])
  : [];

const guide: DefaultTheme.SidebarItem[] = [
  {
    text: 'Start',
    items: [
      { text: 'Getting started', link: '/guide/getting-started' },
      { text: 'Installing weft', link: '/guide/installing' },
      { text: 'The chat demo', link: '/guide/chat-demo' },
    ],
  },
  {
    text: 'Guides',
    items: [
      { text: 'Filters', link: '/guide/filters' },
      { text: 'Replies and rejections', link: '/guide/replies' },
      { text: 'WebSockets', link: '/guide/websockets' },
      { text: 'The typed client', link: '/guide/typed-client' },
      { text: 'Realtime that survives', link: '/guide/realtime' },
      { text: 'Broadcast and tasks', link: '/guide/broadcast-and-tasks' },
      { text: 'Sync and actors', link: '/guide/sync-and-actors' },
      { text: 'The server', link: '/guide/server' },
      { text: 'Scale-out', link: '/guide/scale-out' },
      { text: 'Observability', link: '/guide/observability' },
      { text: 'Static files, OpenAPI, TLS, uploads', link: '/guide/http' },
      { text: 'Reactors and runtimes', link: '/guide/reactors' },
      { text: 'Testing with the harness', link: '/guide/testing' },
      { text: 'Deployment behind a proxy', link: '/guide/deployment' },
      { text: 'Limits and security', link: '/guide/security' },
    ],
  },
  {
    text: 'Coming from',
    items: [
      { text: 'warp', link: '/coming-from/warp' },
      { text: 'Hono', link: '/coming-from/hono' },
      { text: 'Fastify', link: '/coming-from/fastify' },
      { text: 'Socket.IO', link: '/coming-from/socket-io' },
    ],
  },
  {
    text: 'More',
    items: [
      { text: 'Benchmarks', link: '/benchmarks' },
      { text: 'API reference', link: '/api/' },
      { text: 'About these docs', link: '/about' },
    ],
  },
];

export default defineConfig({
  title: 'weft',
  description: 'Typed filter combinators for web and WebSocket servers, in the style of warp.',
  outDir: 'dist',
  srcExclude: ['dist/**', 'README.md'],
  cleanUrls: false,
  lastUpdated: false,
  // The API reference is one long page per entry point; its chunk is large by nature.
  vite: { build: { chunkSizeWarningLimit: 1500 } },
  themeConfig: {
    nav: [
      { text: 'Guide', link: '/guide/getting-started', activeMatch: '^/guide/' },
      { text: 'Coming from', link: '/coming-from/warp', activeMatch: '^/coming-from/' },
      { text: 'Benchmarks', link: '/benchmarks' },
      { text: 'API', link: '/api/', activeMatch: '^/api/' },
    ],
    sidebar: {
      '/api/': [{ text: 'API reference', link: '/api/', items: apiSidebar }, ...guide],
      '/': guide,
    },
    // MiniSearch over the built pages, shipped with the site: works offline.
    search: { provider: 'local' },
    outline: { level: [2, 3] },
  },
});
