// Where uploaded files live: DATA_DIR/media/<random key>, with uploads in progress under
// DATA_DIR/media/tmp. Nothing here is ever served statically; files leave only through the signed
// /media route. Keys are random and validated before they become paths, so no name or id a
// client sends can point outside this folder.
import { randomBytes } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { open, readdir, rename, rm, stat, unlink } from 'node:fs/promises'
import { join, resolve } from 'node:path'

const KEY_SHAPE = /^[a-f0-9]{32}$/
const TMP_SHAPE = /^[a-f0-9]{32}\.part$/

export type WriteResult = { ok: true; tmp: string; size: number } | { ok: false; reason: 'too_large' | 'aborted'; size: number }

export interface MediaStorage {
  readonly dir: string
  /** Streams `body` into a new temp file, stopping as soon as it passes `maxBytes` (the temp file is then removed). */
  write(body: ReadableStream<Uint8Array>, maxBytes: number): Promise<WriteResult>
  /** Moves a finished temp file to its final random key. */
  commit(tmp: string): Promise<string>
  /** Absolute path of a stored file; throws on a key we could not have made. */
  path(key: string): string
  /** Deletes a stored file; false when it was already gone. */
  remove(key: string): Promise<boolean>
  discard(tmp: string): Promise<void>
  /** Removes temp files older than `ms` (uploads a crash left behind). */
  pruneTemp(olderThanMs: number, now: number): Promise<number>
}

export function createMediaStorage(dataDir: string): MediaStorage {
  const dir = resolve(dataDir, 'media')
  const tmpDir = join(dir, 'tmp')
  mkdirSync(tmpDir, { recursive: true, mode: 0o700 })

  const newKey = () => randomBytes(16).toString('hex')

  return {
    dir,

    async write(body, maxBytes) {
      const tmp = join(tmpDir, `${newKey()}.part`)
      const fh = await open(tmp, 'wx', 0o600)
      const reader = body.getReader()
      let size = 0
      let failure: 'too_large' | 'aborted' | null = null
      try {
        for (;;) {
          let chunk: Awaited<ReturnType<typeof reader.read>>
          try {
            chunk = await reader.read()
          } catch {
            // The client went away mid-body: its fault, not a server error.
            failure = 'aborted'
            break
          }
          if (chunk.done) break
          size += chunk.value.byteLength
          // Count what actually arrives: Content-Length may lie and chunked bodies have none.
          if (size > maxBytes) {
            failure = 'too_large'
            break
          }
          await fh.write(chunk.value)
        }
      } catch (err) {
        // A write failed (disk full…): leave nothing behind and let the caller answer 500.
        await fh.close().catch(() => {})
        await unlink(tmp).catch(() => {})
        reader.cancel().catch(() => {})
        throw err
      }
      await fh.close()
      if (failure) {
        reader.cancel().catch(() => {})
        await unlink(tmp).catch(() => {})
        return { ok: false, reason: failure, size }
      }
      return { ok: true, tmp, size }
    },

    async commit(tmp) {
      const key = newKey()
      await rename(tmp, join(dir, key))
      return key
    },

    path(key) {
      if (!KEY_SHAPE.test(key)) throw new Error('invalid storage key')
      return join(dir, key)
    },

    async remove(key) {
      try {
        await unlink(this.path(key))
        return true
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false
        throw err
      }
    },

    async discard(tmp) {
      await rm(tmp, { force: true })
    },

    async pruneTemp(olderThanMs, now) {
      let removed = 0
      for (const name of await readdir(tmpDir).catch(() => [] as string[])) {
        if (!TMP_SHAPE.test(name)) continue
        const file = join(tmpDir, name)
        const st = await stat(file).catch(() => null)
        if (st && now - st.mtimeMs > olderThanMs) {
          await rm(file, { force: true })
          removed++
        }
      }
      return removed
    },
  }
}
