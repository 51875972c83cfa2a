// The moderation console's own build: pwa/admin → pwa/dist/admin, served at /admin by
// api/admin/routes.ts. Built right after the chat PWA (pwa/vite.config.ts runs it), so it is
// neither in the PWA's initial JS nor in its service worker's precache.
import { defineConfig } from 'vite'
import preact from '@preact/preset-vite'
import { fileURLToPath } from 'node:url'
import { precompress } from './vite-precompress.ts'

export default defineConfig({
  root: fileURLToPath(new URL('./admin', import.meta.url)),
  base: '/admin/',
  publicDir: false,
  build: {
    outDir: '../dist/admin',
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
  logLevel: 'warn',
  plugins: [preact({ devToolsEnabled: false, prefreshEnabled: false }), precompress()],
})
