// A tiny Prometheus-style registry: counters with optional labels and gauges read at scrape time.
export type Labels = Record<string, string>

export interface Metrics {
  inc(name: string, labels?: Labels, by?: number): void
  /** A handle on one unlabelled counter, for hot paths: one property update per call, no lookups. */
  counter(name: string): { inc(by?: number): void }
  gauge(name: string, help: string, read: () => number | Array<{ labels: Labels; value: number }>): void
  describe(name: string, help: string): void
  /** Prometheus text exposition format. */
  render(): string
  /** Current value of a counter (tests, benchmarks). */
  value(name: string, labels?: Labels): number
}

const key = (labels?: Labels) =>
  labels && Object.keys(labels).length
    ? '{' +
      Object.entries(labels)
        .map(([k, v]) => `${k}="${String(v).replace(/["\\\n]/g, '_')}"`)
        .join(',') +
      '}'
    : ''

export function createMetrics(prefix = 'leetchat_'): Metrics {
  // Cells, not numbers, so a counter handle can keep its cell and skip both lookups.
  const counters = new Map<string, Map<string, { v: number }>>()
  const cell = (name: string, k: string) => {
    let series = counters.get(name)
    if (!series) counters.set(name, (series = new Map()))
    let c = series.get(k)
    if (!c) series.set(k, (c = { v: 0 }))
    return c
  }
  const help = new Map<string, string>()
  const gauges = new Map<string, () => number | Array<{ labels: Labels; value: number }>>()
  return {
    inc(name, labels, by = 1) {
      cell(name, key(labels)).v += by
    },
    counter(name) {
      const c = cell(name, '')
      return {
        inc(by = 1) {
          c.v += by
        },
      }
    },
    gauge(name, h, read) {
      help.set(name, h)
      gauges.set(name, read)
    },
    describe(name, h) {
      help.set(name, h)
    },
    value(name, labels) {
      return counters.get(name)?.get(key(labels))?.v ?? 0
    },
    render() {
      const out: string[] = []
      for (const [name, series] of counters) {
        const full = prefix + name
        if (help.has(name)) out.push(`# HELP ${full} ${help.get(name)}`)
        out.push(`# TYPE ${full} counter`)
        for (const [k, c] of series) out.push(`${full}${k} ${c.v}`)
      }
      for (const [name, read] of gauges) {
        const full = prefix + name
        out.push(`# HELP ${full} ${help.get(name)}`, `# TYPE ${full} gauge`)
        const v = read()
        if (typeof v === 'number') out.push(`${full} ${v}`)
        else for (const s of v) out.push(`${full}${key(s.labels)} ${s.value}`)
      }
      return out.join('\n') + '\n'
    },
  }
}
