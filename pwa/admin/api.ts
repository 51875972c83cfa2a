// The console's calls to /admin/api: same-origin fetch, the cookie goes by itself, the CSRF token
// (from sign-in or /me) on every POST.
import type { ApiError } from '../../api/admin/types'

let csrf = ''
export const setCsrf = (t: string) => void (csrf = t)

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiError['error'],
  ) {
    super(body.message)
  }
}

export async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const res = await fetch(`/admin/api${path}`, {
    method,
    credentials: 'same-origin',
    headers: method === 'POST' ? { 'content-type': 'application/json', 'x-csrf-token': csrf || 'sign-in' } : {},
    body: method === 'POST' ? JSON.stringify(body ?? {}) : undefined,
  })
  const data = await res.json().catch(() => ({ error: { code: 'bad_answer', message: 'the server gave no answer we understand' } }))
  if (!res.ok) {
    if (res.status === 401 && path !== '/sign-in' && path !== '/me') location.reload()
    throw new ApiFailure(res.status, (data as ApiError).error)
  }
  return data as T
}

export const get = <T>(path: string) => call<T>('GET', path)
export const post = <T>(path: string, body?: unknown) => call<T>('POST', path, body)

/** Stored text came from strangers: control and bidi characters are shown as escapes. */
export const printable = (s: string) =>
  s.replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff]/g, c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)

export const when = (ms: number) => new Date(ms).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' })
export const short = (hash: string) => (hash ? `${hash.slice(0, 8)}…${hash.slice(-4)}` : '(unknown)')
