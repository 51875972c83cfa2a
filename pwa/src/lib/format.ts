// Formatting for what the user reads, in the active locale (Intl): clock times, durations,
// numbers, file sizes and lists. Formatters are made once per locale.
import { locale } from '../i18n'

const made = new Map<string, unknown>()
function memo<T>(key: string, make: (loc: string) => T): T {
  const k = `${locale()}|${key}`
  if (!made.has(k)) made.set(k, make(locale()))
  return made.get(k) as T
}

export const time = (ms: number) => memo('clock', l => new Intl.DateTimeFormat(l, { hour: 'numeric', minute: '2-digit' })).format(ms)

export const num = (n: number) => memo('number', l => new Intl.NumberFormat(l)).format(n)

export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '0:00'
  const s = Math.floor(seconds)
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`
}

const unit = (u: 'byte' | 'kilobyte' | 'megabyte', digits: number) =>
  memo(`${u}${digits}`, l => new Intl.NumberFormat(l, { style: 'unit', unit: u, unitDisplay: 'short', minimumFractionDigits: digits, maximumFractionDigits: digits }))

export function bytes(n: number): string {
  if (n < 1024) return unit('byte', 0).format(n)
  if (n < 1024 * 1024) return unit('kilobyte', 0).format(Math.round(n / 1024))
  return unit('megabyte', n < 10 * 1024 * 1024 ? 1 : 0).format(n / 1024 / 1024)
}

/** "a, b and c" in the active language. */
export const list = (items: string[]) => memo('list', l => new Intl.ListFormat(l, { type: 'conjunction' })).format(items)
