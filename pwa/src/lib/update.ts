// Service worker registration through workbox-window. A new version waits until the user picks
// "Reload" (a silent swap would reload the page under the user's fingers; the chat itself
// survives a reload, see tab-memory.ts).
export function registerServiceWorker(onUpdateReady: (reload: () => void) => void) {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return
  // Loaded after start-up: not part of the initial JS.
  void import('workbox-window').then(({ Workbox }) => {
    const wb = new Workbox('/sw.js', { scope: '/' })
    wb.addEventListener('waiting', () =>
      onUpdateReady(() => {
        wb.addEventListener('controlling', () => location.reload())
        wb.messageSkipWaiting()
      }),
    )
    // A browser that refuses service workers (some private modes) just runs without the offline shell.
    wb.register().catch(() => undefined)
    // Phones keep a PWA open for days: look for a new version whenever it comes to the foreground.
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') void wb.update().catch(() => undefined)
    })
  })
}
