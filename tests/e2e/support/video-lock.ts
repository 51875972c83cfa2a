// One video spec at a time: each drives two or more browsers through the suite's one coturn, with
// the on-device screen's model on top, and two of them at once on two cores made ICE miss its
// 10 s more often than not. A lock directory in the run's data folder, named after the holder's
// pid, so a worker that died holding it does not block the rest.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from 'node:os'

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Waits for the lock and returns its release. Call in a beforeAll whose timeout covers the wait. */
export async function takeVideoLock(): Promise<() => void> {
  const dir = join(process.env.LEETCHAT_E2E_DATA ?? tmpdir(), 'video.lock')
  for (;;) {
    try {
      mkdirSync(dir)
      writeFileSync(join(dir, 'pid'), String(process.pid))
      return () => rmSync(dir, { recursive: true, force: true })
    } catch {
      let pid = 0
      try {
        pid = Number(readFileSync(join(dir, 'pid'), 'utf8'))
      } catch {
        // Just made, its pid not written yet: wait.
      }
      if (pid && pid !== process.pid && !alive(pid)) rmSync(dir, { recursive: true, force: true })
      else if (pid === process.pid) return () => rmSync(dir, { recursive: true, force: true })
      await new Promise(r => setTimeout(r, 500))
    }
  }
}
