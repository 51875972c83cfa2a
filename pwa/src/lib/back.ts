// The back button (Android, desktop browsers): what is on top closes first. Each layer that back
// should close (a dialog, the photo viewer, the chat itself) pushes one history entry; back pops
// it and calls that layer's handler instead of leaving the app. A layer closed by the UI takes
// its entry back off (history.back(), whose popstate is then ignored).
type Layer = { onBack(): void; live: boolean }

const layers: Layer[] = []
let ignore = 0
let listening = false

function listen() {
  if (listening) return
  listening = true
  addEventListener('popstate', () => {
    if (ignore > 0) {
      ignore--
      return
    }
    const top = layers.pop()
    if (!top) return
    top.live = false
    top.onBack()
  })
}

/**
 * Adds a layer that back closes; returns its release, for when the UI closes it. `adopt`: after
 * a reload the browser still holds our entry (history.state says so): use it instead of adding one.
 */
export function pushBack(onBack: () => void, opts: { adopt?: boolean } = {}): () => void {
  listen()
  const layer: Layer = { onBack, live: true }
  const ours = (history.state as { leetchat?: number } | null)?.leetchat
  if (!(opts.adopt && ours && layers.length === 0)) history.pushState({ leetchat: layers.length + 1 }, '')
  layers.push(layer)
  return () => {
    if (!layer.live) return
    layer.live = false
    const i = layers.indexOf(layer)
    if (i >= 0) layers.splice(i, 1)
    ignore++
    history.back()
  }
}
