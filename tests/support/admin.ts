// Helpers for the moderation console's tests: accounts made with the real CLI (a separate
// process, password on stdin, as an operator does it) and a console client that keeps its cookie
// and CSRF token like the console page does.
import { resolve } from 'node:path'
import type { ApiError, Me } from '../../api/admin/types'

const ROOT = resolve(import.meta.dir, '../..')

/** Runs `bun api/safety/mod-cli.ts …` with `env` (the server's), `stdin` piped in. */
export async function modCli(env: Record<string, string>, args: string[], stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  const p = Bun.spawn([process.execPath, 'api/safety/mod-cli.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdin: new Blob([stdin]),
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited])
  return { code, stdout, stderr }
}

export async function addAccount(env: Record<string, string>, name: string, password: string, role: 'moderator' | 'admin' = 'moderator') {
  const r = await modCli(env, ['admin', 'add', name, '--role', role], password + '\n')
  if (r.code !== 0) throw new Error(`mod admin add ${name} exited ${r.code}: ${r.stdout}${r.stderr}`)
}

export const uniqueName = (tag: string) => `${tag}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`

export class ConsoleClient {
  cookie = ''
  csrf = ''
  setCookie: string | null = null
  constructor(
    readonly url: string,
    readonly origin = 'http://127.0.0.1',
    readonly headers: Record<string, string> = {},
  ) {}

  /** `T` is the JSON the test expects (a type from api/admin/types, or ApiError for a refusal); unchecked, as any parsed body. */
  async call<T = unknown>(method: 'GET' | 'POST', path: string, body?: unknown, extra: Record<string, string> = {}): Promise<{ status: number; body: T; headers: Headers }> {
    const res = await fetch(this.url + '/admin/api' + path, {
      method,
      headers: {
        ...(method === 'POST' && { 'content-type': 'application/json', origin: this.origin, 'x-csrf-token': this.csrf || 'sign-in' }),
        ...(this.cookie && { cookie: this.cookie }),
        ...this.headers,
        ...extra,
      },
      body: method === 'POST' ? JSON.stringify(body ?? {}) : undefined,
    })
    const sc = res.headers.get('set-cookie')
    if (sc) {
      this.setCookie = sc
      const pair = sc.split(';')[0]!
      this.cookie = pair.endsWith('=') ? '' : pair
    }
    const text = await res.text()
    let parsed: unknown = text
    try {
      parsed = JSON.parse(text)
    } catch {}
    return { status: res.status, body: parsed as T, headers: res.headers }
  }

  get = <T = unknown>(path: string, extra?: Record<string, string>) => this.call<T>('GET', path, undefined, extra)
  post = <T = unknown>(path: string, body?: unknown, extra?: Record<string, string>) => this.call<T>('POST', path, body, extra)

  async signIn(name: string, password: string, code?: string) {
    const r = await this.post<Me | ApiError>('/sign-in', { name, password, ...(code && { code }) })
    if (r.status === 200 && 'csrf' in r.body) this.csrf = r.body.csrf
    return r
  }
}
