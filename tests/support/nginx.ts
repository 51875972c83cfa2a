// Runs the Debian nginx binary as a foreground child with everything (pid, logs, temp folders)
// in a private directory. The wrapper below plays the part of /etc/nginx/nginx.conf; the site
// file it includes is the project's ops/nginx/leetchat.conf, rendered by ops/nginx/render.ts.
import type { Subprocess } from 'bun'
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export const NGINX = '/usr/sbin/nginx'

export interface Nginx {
  errorLog(): string
  stop(): Promise<void>
}

function wrapper(dir: string, site: string): string {
  const t = (name: string) => join(dir, 'temp', name)
  return `# test-only main config: what Debian's /etc/nginx/nginx.conf provides, with private paths
daemon off;
master_process on;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} info;
events { worker_connections 256; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    client_body_temp_path ${t('body')};
    proxy_temp_path ${t('proxy')};
    fastcgi_temp_path ${t('fastcgi')};
    uwsgi_temp_path ${t('uwsgi')};
    scgi_temp_path ${t('scgi')};
    include ${site};
}
`
}

async function waitForPort(host: string, port: number, proc: Subprocess, errorLog: () => string, timeoutMs = 5000) {
  const until = Date.now() + timeoutMs
  while (Date.now() < until) {
    if (proc.exitCode !== null) throw new Error(`nginx exited with ${proc.exitCode}: ${errorLog()}`)
    const ok = await Bun.connect({ hostname: host, port, socket: { data() {} } }).then(
      s => (s.end(), true),
      () => false,
    )
    if (ok) return
    await Bun.sleep(20)
  }
  throw new Error(`nginx did not listen on ${host}:${port}: ${errorLog()}`)
}

/** Writes the site config and the wrapper into `dir`, checks them with `nginx -t`, starts nginx. */
export async function startNginx(opts: { dir: string; site: string; waitFor: { host: string; port: number } }): Promise<Nginx> {
  const { dir } = opts
  mkdirSync(join(dir, 'temp'), { recursive: true })
  // As root, nginx workers run as nobody: they must be able to reach the files under dir.
  if (process.getuid?.() === 0) chmodSync(dir, 0o755)
  const sitePath = join(dir, 'leetchat.conf')
  const confPath = join(dir, 'nginx.conf')
  writeFileSync(sitePath, opts.site)
  writeFileSync(confPath, wrapper(dir, sitePath))
  const errorFile = join(dir, 'error.log')
  const errorLog = () => {
    try {
      return readFileSync(errorFile, 'utf8')
    } catch {
      return ''
    }
  }
  const args = [NGINX, '-p', dir, '-c', confPath, '-e', errorFile]
  const check = Bun.spawn([...args, '-t', '-q'], { stdout: 'pipe', stderr: 'pipe' })
  if ((await check.exited) !== 0) throw new Error(`nginx -t failed: ${await new Response(check.stderr).text()}${errorLog()}`)
  const proc = Bun.spawn(args, { stdout: 'ignore', stderr: 'pipe' })
  await waitForPort(opts.waitFor.host, opts.waitFor.port, proc, errorLog)
  return {
    errorLog,
    async stop() {
      if (proc.exitCode !== null) return
      proc.kill('SIGTERM')
      const exited = await Promise.race([proc.exited.then(() => true), Bun.sleep(3000).then(() => false)])
      if (!exited) {
        proc.kill('SIGKILL')
        await proc.exited
      }
    },
  }
}
