// The h5 first screen. The home page's chunks are asked for with the entry instead of after it has
// run (one round trip less on a slow network), and so is 热门事项 (city-wide, as on a first visit).
// The menu comes in the page itself (handlers/h5_page.py fills <!--first-screen-data-->), and
// src/first-screen-boot.js, inlined here as a plain script, draws the home page's first screen from it
// at once: the grid is on screen after one round trip, while uni-h5's entry (245 KB) still loads
// (the stylesheets move after it: afterFirstScreen).
import { fileURLToPath } from 'node:url';

const BOOT = fileURLToPath(new URL('./src/first-screen-boot.js', import.meta.url));
const SCRIPT_MARK = '<!--first-screen-script-->';
const STYLESHEET = /<link rel="stylesheet"[^>]*>\n?/g;

// The app's stylesheets move from <head> to after the first screen's script. In <head> they would
// hold the first paint, and the script, until both have arrived (a second round trip); after it
// they hold only what follows, while the module entry still waits for them before Vue mounts.
export function afterFirstScreen(html, code) {
  const sheets = (html.match(STYLESHEET) || []).map((tag) => tag.trim());
  return html.replace(STYLESHEET, '').replace(SCRIPT_MARK, [`<script>${code}</script>`, ...sheets].join('\n    '));
}
const HOME_PAGE = /\/src\/pages\/index\/index\.vue/;

function homeFiles(bundle) {
  const byName = Object.values(bundle).filter((c) => c.type === 'chunk');
  const home = byName.find((c) => !c.isEntry && HOME_PAGE.test(c.facadeModuleId || ''));
  if (!home) return { scripts: [], styles: [] };
  const seen = new Set();
  const walk = (file) => {
    const chunk = bundle[file];
    if (!chunk || chunk.isEntry || seen.has(file)) return;
    seen.add(file);
    chunk.imports.forEach(walk);
  };
  walk(home.fileName);
  const styles = new Set();
  for (const file of seen) for (const css of bundle[file].viteMetadata?.importedCss || []) styles.add(css);
  return { scripts: [...seen], styles: [...styles] };
}

// The h5's API base at build time (empty: the API serves the page, same origin).
export function firstData(apiBase = '') {
  const base = apiBase.replace(/\/$/, '');
  return [`${base}/api/v1/items/hot?channel=app`];
}

// The boot script as one minified IIFE; `</` is escaped so that nothing in it can end the element.
export async function bootScript() {
  const { build } = await import('vite'); // here, not at the top: node's tests of this file run before npm install
  const result = await build({
    configFile: false,
    logLevel: 'silent',
    build: { write: false, minify: 'esbuild', target: 'es2018', lib: { entry: BOOT, formats: ['iife'], name: 'firstScreen' } },
  });
  const output = (Array.isArray(result) ? result[0] : result).output;
  return output[0].code.replace(/<\//g, '<\\/').trim();
}

export function firstScreen() {
  return {
    name: 'first-screen',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      async handler(html, ctx) {
        if (!ctx.bundle) return html;
        const { scripts, styles } = homeFiles(ctx.bundle);
        const code = await bootScript();
        return {
          html: afterFirstScreen(html, code),
          tags: [
            ...scripts.map((file) => ({ tag: 'link', attrs: { rel: 'modulepreload', crossorigin: true, href: `./${file}` }, injectTo: 'head' })),
            ...styles.map((file) => ({ tag: 'link', attrs: { rel: 'preload', as: 'style', href: `./${file}` }, injectTo: 'head' })),
            // crossorigin: the app's XHR is a CORS-mode request, and only a preload of the same mode is reused
            ...firstData(process.env.VITE_API_BASE).map((href) => ({
              tag: 'link', attrs: { rel: 'preload', as: 'fetch', crossorigin: 'anonymous', href }, injectTo: 'head',
            })),
          ],
        };
      },
    },
  };
}

export { homeFiles };
