import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/** The web UI, built into dist/ui and served by mailsim itself (server/http/ui-static.ts). */
export default defineConfig({
  root,
  base: '/',
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
  },
  server: {
    // npm run dev:ui: the UI on Vite's dev server, the API of a mailsim running on 8025.
    proxy: { '/api': { target: 'http://127.0.0.1:8025', ws: true }, '/view': 'http://127.0.0.1:8025' },
  },
});
