// Keeps the app exactly as tall as the visible area, so the composer sits right above the phone
// keyboard (iOS shrinks only the visual viewport; Android also resizes, see index.html).
export function trackViewport() {
  const vv = window.visualViewport
  if (!vv) return
  const root = document.documentElement.style
  const update = () => {
    root.setProperty('--vv-height', `${Math.round(vv.height)}px`)
    root.setProperty('--vv-top', `${Math.round(vv.offsetTop)}px`)
  }
  vv.addEventListener('resize', update)
  vv.addEventListener('scroll', update)
  update()
}
