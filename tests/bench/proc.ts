// Reads another process's CPU time and resident memory from /proc (Linux only), so the load
// generator can measure the server without sharing its process.
import { readFileSync } from 'node:fs'

// USER_HZ: the unit of utime/stime in /proc/<pid>/stat. 100 on every Linux we run on.
const TICKS_PER_SECOND = 100

/** User + system CPU time of `pid` so far, in microseconds (10 ms resolution). */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // Fields after the command name, which may itself contain spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const utime = Number(fields[11])
  const stime = Number(fields[12])
  return ((utime + stime) * 1e6) / TICKS_PER_SECOND
}

/** Resident set size of `pid`, in bytes. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = Number(status.match(/^VmRSS:\s+(\d+) kB/m)?.[1])
  if (!Number.isFinite(kb)) throw new Error(`no VmRSS for pid ${pid}`)
  return kb * 1024
}
