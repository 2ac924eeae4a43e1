// Builds the dashboard into hashed scripts and one hashed stylesheet under
// assets/ plus index.html (the gateway serves index.html `no-cache` and
// assets/ as immutable). The output folder is given on the command line by
// CMake (gateway/web/CMakeLists.txt): `vite build --outDir <build>/gateway/web/dist`.
import { defineConfig } from 'vite';

// <link rel="modulepreload"> for the ECharts chunk in index.html: the
// browser fetches and compiles it while the app starts, instead of once the
// app asks for it (src/chart.js, loadCharts()).
function preloadCharts() {
  return {
    name: 'crm-preload-charts',
    transformIndexHtml: {
      order: 'post',
      handler(html, context) {
        const chunk = Object.values(context.bundle || {}).find(
          (c) => c.type === 'chunk' && c.name === 'echarts_setup');
        if (!chunk) return html;
        return [{ tag: 'link', attrs: { rel: 'modulepreload', crossorigin: true, href: `/${chunk.fileName}` },
          injectTo: 'head' }];
      },
    },
  };
}

// V8's explicit compile hint (`//# allFunctionsCalledOnLoad` as the first
// line) on the ECharts chunk: its functions are compiled while it loads, on a
// background thread, instead of one by one on the main thread when the
// first charts call them. Added after minification (which drops comments),
// before the chunk's hash is computed.
function compileHints() {
  return {
    name: 'crm-compile-hints',
    renderChunk: {
      order: 'post',
      handler(code, chunk) {
        if (chunk.name !== 'echarts_setup') return null;
        return { code: `//# allFunctionsCalledOnLoad\n${code}`, map: null };
      },
    },
  };
}

export default defineConfig({
  base: '/',
  plugins: [preloadCharts(), compileHints()],
  // Everything the build needs is in node_modules (npm ci): no network.
  logLevel: 'warn',
  build: {
    assetsDir: 'assets',
    target: 'es2020',
    sourcemap: false,
    reportCompressedSize: true,
    chunkSizeWarningLimit: 900,
    modulePreload: { polyfill: false },
  },
});
