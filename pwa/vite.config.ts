// Builds the PWA into pwa/dist (served by api/static.ts). generateSW precaches the app shell
// (and imports public/push-sw.js for Web Push);
// the server's live paths are never cached and never answered with the shell.
import { build, defineConfig, type Plugin } from 'vite'
import preact from '@preact/preset-vite'
import { VitePWA } from 'vite-plugin-pwa'
import { fileURLToPath } from 'node:url'
import { precompress } from './vite-precompress.ts'
import { catalogLocale, catalogs } from './vite-catalogs.ts'
import { manifestFor, shell } from './vite-shell.ts'

const root = fileURLToPath(new URL('.', import.meta.url))

/** Paths the server answers itself: a navigation there must reach the network, not the shell. */
export const LIVE_PATHS = /^\/(?:chat|trpc|upload|media|healthz|readyz|metrics|admin)(?:[/?#]|$)/

/** After the PWA is written, the moderation console's own build (pwa/vite.admin.config.ts) into dist/admin. */
function adminConsole(): Plugin {
  return {
    name: 'leetchat-admin-console',
    apply: 'build',
    async closeBundle() {
      await build({ configFile: fileURLToPath(new URL('./vite.admin.config.ts', import.meta.url)) })
    },
  }
}

export default defineConfig({
  root,
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Every browser that can run this app supports <link rel=modulepreload>.
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
    rollupOptions: {
      output: {
        // Catalogs get a name of their own: the service worker caches them on first use (below).
        chunkFileNames: chunk => {
          // English (its second part) is precached with the app like any chunk.
          const loc = catalogLocale(chunk.facadeModuleId)
          return loc && loc !== 'en' ? `assets/lang-${loc}-[hash].js` : 'assets/[name]-[hash].js'
        },
      },
    },
  },
  // Web Workers (the proof of work, the video screen) are bundled on their own. The video screen's
  // worker and everything it pulls in (TensorFlow.js, the nsfwjs model, the .wasm files) are named
  // video-screen-*: left out of the precache and cached on first use instead (below), since only
  // video users need those megabytes.
  worker: {
    format: 'es',
    rollupOptions: {
      output: {
        entryFileNames: chunk => (chunk.name === 'video-screen-worker' ? 'assets/video-screen-[hash].js' : 'assets/[name]-[hash].js'),
        chunkFileNames: 'assets/video-screen-[name]-[hash].js',
        assetFileNames: a => (a.names.some(n => n.endsWith('.wasm')) ? 'assets/video-screen-[name]-[hash][extname]' : 'assets/[name]-[hash][extname]'),
      },
    },
  },
  plugins: [
    catalogs(),
    shell(),
    preact({ devToolsEnabled: false, prefreshEnabled: false }),
    VitePWA({
      strategies: 'generateSW',
      // Registered by src/lib/update.ts through workbox-window (no inline script: CSP script-src 'self').
      injectRegister: null,
      registerType: 'prompt',
      includeAssets: ['favicon-48.png', 'apple-touch-icon.png'],
      // English's; the other locales' are emitted by ./vite-shell.ts from the same catalogs.
      manifest: manifestFor('en'),
      workbox: {
        globPatterns: ['**/*.{js,css,html,png,svg,webmanifest}'],
        // The moderation console is no part of the app a visitor installs.
        // Nor is every language: only the active one's catalog is fetched, and cached then (below).
        // The other locales' manifests neither: a browser reads one when it offers to install,
        // which needs the network anyway (English's, manifest.webmanifest, is precached).
        globIgnores: ['admin/**', 'assets/lang-*.js', 'manifest.*.webmanifest', 'assets/video-screen-*'],
        navigateFallback: '/index.html',
        navigateFallbackDenylist: [LIVE_PATHS],
        // Only the language catalogs are cached at run time (a locale used once works offline after);
        // their names carry a content hash, so the cached copy is never stale. Chat, tRPC, uploads
        // and media always go to the network.
        runtimeCaching: [
          {
            urlPattern: /\/assets\/lang-[^/]+\.js$/,
            handler: 'CacheFirst',
            options: { cacheName: 'leetchat-i18n', expiration: { maxEntries: 40 } },
          },
          // The video screen (worker, TensorFlow.js, the model, its .wasm): fetched on the first
          // video search, then served from here. Hashed names, so never stale; a few versions kept.
          {
            urlPattern: /\/assets\/video-screen-[^/]+\.(?:js|wasm)$/,
            handler: 'CacheFirst',
            options: { cacheName: 'leetchat-video-screen', expiration: { maxEntries: 24 } },
          },
        ],
        // Push and notification taps (public/push-sw.js): a small file beside the generated worker.
        importScripts: ['/push-sw.js'],
        cleanupOutdatedCaches: true,
        clientsClaim: true,
        skipWaiting: false,
      },
    }),
    // Last: brotli and gzip copies of every text file, the service worker included.
    precompress(),
    adminConsole(),
  ],
})
