// The conversation in the server's order. A text of ours shows where it was typed; the server
// accepts it later (at once when online, after the reconnect when typed offline), and the stranger
// sees it in the order the server accepted it. Once its `delivered` says when (`at`, the same
// clock the stranger's texts carry), the stranger's texts the server accepted before it, but
// shown after it here, move up before it, so both sides read the same order.
import type { Item } from './chat'

/** `items` with our text `id` marked delivered at the server's `at`, and the stranger's earlier texts before it. */
export function placeDelivered(items: Item[], id: string, at: number): Item[] {
  const idx = items.findIndex(i => i.kind === 'text' && i.mine && i.key === id)
  if (idx < 0) return items
  const own = items[idx]!
  if (own.kind !== 'text') return items
  const marked = { ...own, at, ...(own.status !== 'delivered' && own.status !== 'seen' && { status: 'delivered' as const }) }
  const before = items.slice(0, idx)
  const earlier: Item[] = []
  const rest: Item[] = []
  for (const i of items.slice(idx + 1)) (i.kind === 'text' && !i.mine && i.at < at ? earlier : rest).push(i)
  return [...before, ...earlier, marked, ...rest]
}
