import { defineConfig, type Plugin } from 'vite';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// plotly.js is shipped untouched (already minified, MIT) as a classic script
// that the app loads on demand: it is not re-bundled, which keeps builds fast
// and the app chunk small.
const PLOTLY_FILE = 'assets/plotly.min.js';
const plotlyPath = fileURLToPath(
  new URL('./node_modules/plotly.js-dist-min/plotly.min.js', import.meta.url),
);

function plotlyAsset(): Plugin {
  return {
    name: 'visivo-plotly-asset',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        if (req.url && req.url.split('?')[0].endsWith('/' + PLOTLY_FILE)) {
          res.setHeader('Content-Type', 'text/javascript');
          res.end(readFileSync(plotlyPath));
          return;
        }
        next();
      });
    },
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: PLOTLY_FILE, source: readFileSync(plotlyPath) });
    },
  };
}

// The viewer must also run from file:// (hash routing). Browsers refuse
// module scripts and crossorigin stylesheets there, so the build emits one
// classic (IIFE) script and plain tags.
function classicScript(): Plugin {
  return {
    name: 'visivo-classic-script',
    apply: 'build',
    enforce: 'post',
    transformIndexHtml: {
      order: 'post',
      handler(html) {
        return html
          .replace(/<script type="module" crossorigin src=/g, '<script defer src=')
          .replace(/<link rel="stylesheet" crossorigin href=/g, '<link rel="stylesheet" href=');
      },
    },
  };
}

// `VISIVO_DEV_SERVER=http://127.0.0.1:8000 npm run dev` proxies data/ and
// api/ to a running `visivo serve` while developing the viewer.
const devServer = process.env.VISIVO_DEV_SERVER;

export default defineConfig({
  base: './',
  plugins: [plotlyAsset(), classicScript()],
  server: devServer
    ? { proxy: { '/data': devServer, '/api': { target: devServer, changeOrigin: true } } }
    : undefined,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    modulePreload: false,
    target: 'es2020',
    assetsInlineLimit: 0,
    cssCodeSplit: false,
    rollupOptions: {
      output: {
        format: 'iife',
        entryFileNames: 'assets/app.js',
        chunkFileNames: 'assets/[name].js',
        assetFileNames: (info) =>
          (info.names ?? []).some((n) => n.endsWith('.css')) ? 'assets/app.css' : 'assets/[name][extname]',
      },
    },
  },
});
