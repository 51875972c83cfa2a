// A cluster of real app processes (`bun api/main.ts`, via spawnApp) on free loopback ports, sharing
// what a production cluster shares: one Redis (REDIS_URL, under a key prefix of its own), one
// MariaDB database (fresh, dropped on stop), one DATA_DIR. Nodes can be killed with SIGKILL (no
// goodbye: peers find them dead by their heartbeat TTL) and new ones started at any time.
//
//   const c = await startCluster({ nodes: 3 })
//   c.nodes[0].url … ; await c.kill(c.nodes[1]) ; await c.startNode() ; await c.stop()
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mysql from 'mysql2/promise'
import { spawnApp, type AppProcess } from './app-process'
import { LIFTED_LIMITS } from './app'
import { freePort } from './memcached'
import { deletePrefix, TEST_REDIS_URL, testPrefix } from './redis'

export const TEST_MYSQL_URL = process.env.TEST_MYSQL_URL ?? 'mysql://leetchat:leetchat@127.0.0.1:3306'

export interface ClusterNode extends AppProcess {
  /** NODE_ID of this process. */
  id: string
  port: number
}

export interface ClusterOptions {
  /** How many nodes to start, all at once (default 3). */
  nodes?: number
  /** Added to every node's environment (after the defaults). */
  env?: Record<string, string>
  redisUrl?: string
  /** host:port,… of a Redis Cluster (REDIS_CLUSTER_NODES): used instead of redisUrl. */
  redisClusterNodes?: string
  /** A server URL without a database (mysql://user:pass@host:port); a fresh database is made on it. */
  mysqlUrl?: string
}

export interface TestCluster {
  nodes: ClusterNode[]
  /** The Redis the nodes share: a redis:// URL, or host:port,… of a Redis Cluster. */
  redisUrl: string
  redisPrefix: string
  databaseUrl: string
  dataDir: string
  /** The environment every node shares (without PORT and NODE_ID). */
  env: Record<string, string>
  /** Starts one more node (`env` overrides for it only). */
  startNode(env?: Record<string, string>): Promise<ClusterNode>
  /** SIGKILL: the node vanishes without persisting or telling anyone. */
  kill(node: ClusterNode): Promise<void>
  /** Stops every node (SIGTERM), drops the database, deletes the Redis keys and DATA_DIR. */
  stop(): Promise<void>
}

let nodeCounter = 0

export async function startCluster(opts: ClusterOptions = {}): Promise<TestCluster> {
  const redisUrl = opts.redisClusterNodes ?? opts.redisUrl ?? TEST_REDIS_URL
  const redisPrefix = testPrefix('cluster')
  const mysqlUrl = opts.mysqlUrl ?? TEST_MYSQL_URL
  const dbName = `leetchat_t_cl_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`
  const admin = await mysql.createConnection({ uri: mysqlUrl })
  await admin.query(`CREATE DATABASE \`${dbName}\``)
  const databaseUrl = `${mysqlUrl}/${dbName}`
  const dataDir = mkdtempSync(join(tmpdir(), 'leetchat-cluster-'))

  const env: Record<string, string> = {
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    ...(opts.redisClusterNodes ? { REDIS_CLUSTER_NODES: opts.redisClusterNodes } : { REDIS_URL: redisUrl }),
    REDIS_PREFIX: redisPrefix,
    // Quick death detection for tests; production defaults are 1000 / 3000.
    NODE_HEARTBEAT_MS: '250',
    NODE_TTL_MS: '1500',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'info',
    TRUSTED_PROXIES: 'loopback',
    ALLOWED_ORIGINS: 'http://127.0.0.1',
    SHUTDOWN_TIMEOUT_MS: '3000',
    ...LIFTED_LIMITS,
    ...opts.env,
  }

  const nodes: ClusterNode[] = []
  async function startNode(extra: Record<string, string> = {}): Promise<ClusterNode> {
    const port = await freePort()
    const id = `node-${++nodeCounter}`
    const p = await spawnApp({ ...env, PORT: String(port), NODE_ID: id, ...extra }, 30_000)
    const node: ClusterNode = Object.assign(p, { id, port })
    nodes.push(node)
    return node
  }

  const cluster: TestCluster = {
    nodes,
    redisUrl,
    redisPrefix,
    databaseUrl,
    dataDir,
    env,
    startNode,
    async kill(node) {
      node.proc.kill('SIGKILL')
      await node.exited
    },
    async stop() {
      await Promise.all(nodes.map(n => n.stop()))
      await admin.query(`DROP DATABASE IF EXISTS \`${dbName}\``).catch(() => {})
      await admin.end().catch(() => {})
      await deletePrefix(redisUrl, redisPrefix).catch(() => {})
      rmSync(dataDir, { recursive: true, force: true })
    },
  }

  // All at once: the start-up races (migrations, the shared secret) are part of what is tested.
  const started = await Promise.allSettled(Array.from({ length: opts.nodes ?? 3 }, () => startNode()))
  const failed = started.find(s => s.status === 'rejected')
  if (failed) {
    await cluster.stop()
    throw (failed as PromiseRejectedResult).reason
  }
  return cluster
}
