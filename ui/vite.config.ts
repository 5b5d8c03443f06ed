import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/** The web UI, built into dist/ui and served by mailsim itself (server/http/ui-static.ts). */
export default defineConfig({
  root,
  // Relative asset URLs: the server's <base href> (--webroot) decides where they resolve.
  base: './',
  publicDir: 'public',
  plugins: [svelte({ configFile: false, compilerOptions: { runes: true } })],
  build: {
    outDir: fileURLToPath(new URL('../dist/ui', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // No inline scripts: the page's policy is script-src 'self'.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    reportCompressedSize: false,
    // Rolldown's [PLUGIN_TIMINGS] report fires whenever the build takes over ~3 s, as it does on a
    // busy CI machine, where it reads like a failure; the Svelte compiler is simply the main cost.
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
  server: {
    // npm run dev:ui: the UI on Vite's dev server, the API of a mailsim running on 8025.
    proxy: { '/api': { target: 'http://127.0.0.1:8025', ws: true }, '/view': 'http://127.0.0.1:8025' },
  },
});
