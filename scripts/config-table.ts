// Renders the configuration table of docs/configuration.md from .env.example, so the two cannot
// drift: `bun scripts/config-table.ts` rewrites the table between the markers, and
// tests/unit/config-table.test.ts fails when the committed table differs from this rendering.
// .env.example's shape: `# --- section ---` lines, then comment lines describing the variable(s)
// that follow, each either `NAME=default` or `# NAME=[example]` (commented out: unset by default, the comment says what then).
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export const BEGIN = '<!-- config-table:begin (generated from .env.example by `bun scripts/config-table.ts`; do not edit) -->'
export const END = '<!-- config-table:end -->'

export interface Setting {
  section: string
  name: string
  /** null: unset by default (the meaning says what happens then) */
  value: string | null
  meaning: string
}

export function parseEnvExample(text: string): Setting[] {
  const out: Setting[] = []
  let section = ''
  let comment: string[] = []
  let lastMeaning = ''
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    const header = /^# -{3,}\s*(.+?)\s*-{3,}$/.exec(line)
    const set = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line)
    const unset = /^#\s*([A-Z][A-Z0-9_]*)=(.*)$/.exec(line)
    if (header) {
      section = header[1]!
      comment = []
    } else if (set || unset) {
      const meaning = comment.length ? comment.join(' ') : lastMeaning
      lastMeaning = meaning
      out.push({ section, name: (set ?? unset)![1]!, value: set ? set[2]! : null, meaning })
      comment = []
    } else if (line.startsWith('#')) {
      if (out.length && !comment.length && out.at(-1)!.section === section) lastMeaning = ''
      comment.push(line.replace(/^#\s?/, ''))
    } else if (line === '') {
      comment = []
      lastMeaning = ''
    }
  }
  return out
}

const cell = (s: string) => s.replace(/\|/g, '\\|')

export function renderTable(settings: Setting[]): string {
  const lines: string[] = []
  let section: string | null = null
  for (const s of settings) {
    if (s.section !== section) {
      section = s.section
      lines.push('', `### ${section}`, '', '| variable | default | meaning |', '|---|---|---|')
    }
    lines.push(`| \`${s.name}\` | ${s.value === null ? 'unset' : `\`${cell(s.value)}\``} | ${cell(s.meaning)} |`)
  }
  return [BEGIN, ...lines, '', END].join('\n')
}

/** Replaces what lies between the markers (markers included) with a fresh rendering. */
export function spliceTable(doc: string, table: string): string {
  const a = doc.indexOf(BEGIN)
  const b = doc.indexOf(END)
  if (a < 0 || b < a) throw new Error('docs/configuration.md lacks the config-table markers')
  return doc.slice(0, a) + table + doc.slice(b + END.length)
}

export const ENV_EXAMPLE = fileURLToPath(new URL('../.env.example', import.meta.url))
export const CONFIG_DOC = fileURLToPath(new URL('../docs/configuration.md', import.meta.url))

if (import.meta.main) {
  const table = renderTable(parseEnvExample(readFileSync(ENV_EXAMPLE, 'utf8')))
  writeFileSync(CONFIG_DOC, spliceTable(readFileSync(CONFIG_DOC, 'utf8'), table))
  console.log(`docs/configuration.md: table rendered from .env.example`)
}
