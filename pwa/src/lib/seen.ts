// "Seen" receipts, the reader's side: reports the highest seq among the stranger's messages that
// are on screen while the page is visible and focused (a message scrolled past in a background tab
// was not read). The stranger's side shows it as a second tick on its own texts.

/** The attribute a stranger's message carries with its seq (message.tsx sets it). */
export const SEEN_ATTR = 'data-seq'

/**
 * Watches the messages under `root` (elements with SEEN_ATTR) and calls `report(seq)` whenever
 * the highest seq shown to a reader who is looking grows. Returns the function that stops it.
 */
export function watchSeen(root: HTMLElement, report: (seq: number) => void): () => void {
  const visible = new Set<number>()
  let reported = 0
  const looking = () => document.visibilityState === 'visible' && document.hasFocus()
  const check = () => {
    if (!looking()) return
    let top = 0
    for (const seq of visible) if (seq > top) top = seq
    if (top > reported) {
      reported = top
      report(top)
    }
  }
  const seqOf = (el: Element) => Number(el.getAttribute(SEEN_ATTR))
  const io = new IntersectionObserver(
    entries => {
      for (const e of entries) {
        const seq = seqOf(e.target)
        if (!Number.isSafeInteger(seq) || seq <= 0) continue
        if (e.isIntersecting) visible.add(seq)
        else visible.delete(seq)
      }
      check()
    },
    // Most of the bubble must be on screen: a sliver at the edge of the log is not read.
    { root: null, threshold: 0.6 },
  )
  const observe = (el: Element) => {
    if (el.hasAttribute(SEEN_ATTR)) io.observe(el)
    for (const child of el.querySelectorAll(`[${SEEN_ATTR}]`)) io.observe(child)
  }
  observe(root)
  const mo = new MutationObserver(records => {
    for (const r of records) for (const n of r.addedNodes) if (n instanceof Element) observe(n)
  })
  mo.observe(root, { childList: true, subtree: true })
  document.addEventListener('visibilitychange', check)
  addEventListener('focus', check)
  return () => {
    io.disconnect()
    mo.disconnect()
    document.removeEventListener('visibilitychange', check)
    removeEventListener('focus', check)
  }
}
