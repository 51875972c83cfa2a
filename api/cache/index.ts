// Chooses the cache backend from config: memcached when MEMCACHED_SERVERS is set, else the
// cluster's Redis when REDIS_URL is set (then `redis` is the node's open connection), else memory.
import type { Config } from '../config'
import type { RedisConnections } from '../cluster/redis'
import { guarded, type Cache, type CacheErrorListener } from './cache'
import { createMemcachedCache } from './memcached'
import { createMemoryCache } from './memory'
import { createRedisCache } from './redis'

export type { Cache } from './cache'

export function openCache(config: Config, onError?: CacheErrorListener, redis?: RedisConnections | null): Cache {
  const rawCache = config.memcachedServers ? createMemcachedCache(config.memcachedServers, config.cacheTimeoutMs) : redis ? createRedisCache(redis) : createMemoryCache()
  return guarded(rawCache, config.cacheTimeoutMs, onError)
}
