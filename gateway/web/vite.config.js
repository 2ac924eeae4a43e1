// Builds the dashboard into one hashed script and one hashed stylesheet under
// assets/ plus index.html (the gateway serves index.html `no-cache` and
// assets/ as immutable). The output folder is given on the command line by
// CMake (gateway/web/CMakeLists.txt): `vite build --outDir <build>/gateway/web/dist`.
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/',
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
