// The h5 first screen: the home page's chunks are asked for with the entry instead of after it has run
// (one round trip less on a slow network), and so are the menu and 热门事项 the home page reads first
// (city-wide, as on a first visit: a chosen region asks for its own). index.html draws a light skeleton
// of the home page until Vue mounts.
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
  return [`${base}/api/v1/channels/app/menu`, `${base}/api/v1/items/hot?channel=app`];
}

export function firstScreen() {
  return {
    name: 'first-screen',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        if (!ctx.bundle) return html;
        const { scripts, styles } = homeFiles(ctx.bundle);
        return [
          ...scripts.map((file) => ({ tag: 'link', attrs: { rel: 'modulepreload', crossorigin: true, href: `./${file}` }, injectTo: 'head' })),
          ...styles.map((file) => ({ tag: 'link', attrs: { rel: 'preload', as: 'style', href: `./${file}` }, injectTo: 'head' })),
          // crossorigin: the app's XHR is a CORS-mode request, and only a preload of the same mode is reused
          ...firstData(process.env.VITE_API_BASE).map((href) => ({
            tag: 'link', attrs: { rel: 'preload', as: 'fetch', crossorigin: 'anonymous', href }, injectTo: 'head',
          })),
        ];
      },
    },
  };
}

export { homeFiles };
