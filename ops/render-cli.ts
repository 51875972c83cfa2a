// The command line both config renderers share (ops/nginx/render.ts, ops/coturn/render.ts): the
// app's settings from the environment or from its env file (`--env`, read as systemd reads it),
// `--<flag> <value>` overrides, the rendered file on stdout, and one line on stderr for anything wrong.
import { readFileSync } from 'node:fs'
import { loadConfig, type Config } from '../api/config'

/** KEY=VALUE lines as systemd's EnvironmentFile reads them (comments, blank lines, quotes). */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {}
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (!line || line.startsWith('#') || line.startsWith(';')) continue
    const m = line.match(/^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/)
    if (!m) continue
    let v = m[2]!
    if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) v = v.slice(1, -1)
    env[m[1]!] = v
  }
  return env
}

/** Runs a renderer as a command: `args` are the process's, `flags` map `--flag` to the value it sets. */
export function runRenderCli<V>(opts: { help: string; flags: Record<string, keyof V>; render(config: Config, overrides: Partial<V>): string; args?: string[] }) {
  try {
    const args = opts.args ?? process.argv.slice(2)
    if (args.includes('--help') || args.includes('-h')) {
      console.log(opts.help)
      process.exit(0)
    }
    let env: Record<string, string | undefined> = process.env
    const overrides: Partial<V> = {}
    for (let i = 0; i < args.length; i += 2) {
      const flag = args[i]!
      const value = args[i + 1]
      if (value === undefined) throw new Error(`${flag} needs a value`)
      const key = opts.flags[flag]
      if (flag === '--env') env = parseEnvFile(readFileSync(value, 'utf8'))
      else if (key) overrides[key] = value as V[keyof V]
      else throw new Error(`unknown flag ${flag} (see --help)`)
    }
    process.stdout.write(opts.render(loadConfig(env), overrides))
  } catch (err) {
    console.error(`render: ${(err as Error).message}`)
    process.exit(1)
  }
}
