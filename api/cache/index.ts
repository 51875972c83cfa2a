// Chooses the cache backend from config.
import type { Config } from '../config'
import { guarded, type Cache, type CacheErrorListener } from './cache'
import { createMemcachedCache } from './memcached'
import { createMemoryCache } from './memory'

export type { Cache } from './cache'

export function openCache(config: Config, onError?: CacheErrorListener): Cache {
  const rawCache = config.memcachedServers ? createMemcachedCache(config.memcachedServers, config.cacheTimeoutMs) : createMemoryCache()
  return guarded(rawCache, config.cacheTimeoutMs, onError)
}
