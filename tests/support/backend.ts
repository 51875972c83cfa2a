// Which storage backends this test run uses. tests/run.ts runs the integration suite twice:
// TEST_BACKEND=embedded (SQLite + in-process cache) and TEST_BACKEND=mysql (MariaDB + memcached,
// with TEST_DATABASE_URL and TEST_MEMCACHED_SERVERS set by the runner).
export interface Backend {
  name: 'embedded' | 'mysql'
  databaseUrl: string | null
  memcachedServers: string | null
}

export function backend(): Backend {
  const name = process.env.TEST_BACKEND === 'mysql' ? 'mysql' : 'embedded'
  if (name === 'embedded') return { name, databaseUrl: null, memcachedServers: null }
  const databaseUrl = process.env.TEST_DATABASE_URL
  const memcachedServers = process.env.TEST_MEMCACHED_SERVERS
  if (!databaseUrl || !memcachedServers) throw new Error('TEST_BACKEND=mysql needs TEST_DATABASE_URL and TEST_MEMCACHED_SERVERS (tests/run.ts sets them)')
  return { name, databaseUrl, memcachedServers }
}
