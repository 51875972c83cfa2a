// Web Push in the service worker (imported by the generated sw.js: vite.config.ts importScripts).
// The server's payload says only what happened ({"type":"matched"}); the words are the ones the
// app stored in its own language when it subscribed (src/lib/notify.ts), English otherwise.
self.addEventListener('push', event => {
  event.waitUntil(
    (async () => {
      let words = { title: 'leetChat', body: 'A stranger is here. Tap to start chatting.' }
      try {
        const cache = await caches.open('leetchat-push')
        const stored = await cache.match('/push-words')
        if (stored) words = await stored.json()
      } catch {}
      // No notification while the app is on screen: it shows the chat itself.
      const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true })
      if (windows.some(w => w.visibilityState === 'visible')) return
      await self.registration.showNotification(words.title, { body: words.body, icon: '/icon-192.png', badge: '/favicon-48.png', tag: 'leetchat-match', renotify: true })
    })(),
  )
})

// A tap focuses the app's window if one is open (it resumes its chat), or opens it.
self.addEventListener('notificationclick', event => {
  event.notification.close()
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true })
      const open = windows.find(w => new URL(w.url).origin === self.location.origin)
      if (open) return open.focus()
      return self.clients.openWindow('/')
    })(),
  )
})
