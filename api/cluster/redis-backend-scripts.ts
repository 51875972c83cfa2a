// The Lua scripts of the cluster's chat backend (cluster/redis-backend.ts), one per step that must
// be atomic in Redis: each push takes its seq, appends to the outbox and publishes in one script, so
// seqs and publishes keep one order and a frame is either in the outbox or was never accepted.
// Keys and channels are those listed at the top of redis-backend.ts.

// Pushes one sequenced frame (or only a state change) to a session and publishes it to its node.
// KEYS: s, ob, sent, rx, dr · ARGV: prefix, id, frame JSON without seq ('' = none), ctl JSON ('' = none),
// ctl type, chat id, partner id, chat/last JSON, max frames
export const PUSH = `
local s = KEYS[1]
if redis.call('EXISTS', s) == 0 then return 0 end
local t = ARGV[5]
if t == 'ended' then
  if redis.call('HGET', s, 'cid') ~= ARGV[6] then return 0 end
  redis.call('HSET', s, 'cid', '', 'pid', '', 'chat', '', 'state', 'idle', 'last', ARGV[8])
  -- The chat's texts and the receipts still held for them go with it.
  redis.call('DEL', KEYS[4], KEYS[5])
elseif t == 'matched' then
  redis.call('HSET', s, 'cid', ARGV[6], 'pid', ARGV[7], 'chat', ARGV[8], 'state', 'chatting', 'requeue', '0')
  redis.call('DEL', KEYS[3], KEYS[4], KEYS[5])
end
local json = ''
if ARGV[3] ~= '' then
  local seq = redis.call('HINCRBY', s, 'seq', 1)
  json = string.sub(ARGV[3], 1, -2) .. ',"seq":' .. seq .. '}'
  if redis.call('RPUSH', KEYS[2], json) > tonumber(ARGV[9]) then redis.call('LTRIM', KEYS[2], -tonumber(ARGV[9]), -1) end
end
local node = redis.call('HGET', s, 'node')
if node and node ~= '' then
  redis.call('PUBLISH', ARGV[1] .. 'n:' .. node, 'F' .. ARGV[2] .. '\\n' .. ARGV[4] .. '\\n' .. json)
end
return 1
`

// The relay: stranger text to \`to\`, receipt to \`from\` (held with \`to\` while it has no socket),
// resend ids. 1 relayed, 2 duplicate (or its receipt still held), 0 not in that chat.
// KEYS: s from, ob from, sent from, s to, ob to, rx from, rx to, dr to · ARGV: prefix, from, to,
// chat id, client id JSON, client id, body JSON, at, max frames, transcript lines kept,
// transcript keep ms, replyTo seq ('' = none)
// rx (zset, score = the recipient's seq, member "seq:<sender's client id JSON>"): which of a
// session's seqs carried which partner text, for seen, replyTo and undelivered. dr (list): receipts
// held for the partner, each "<receipt JSON without seq>\\n<client id>".
export const RELAY = `
local dup = redis.call('HGET', KEYS[3], ARGV[6])
local f = redis.call('HMGET', KEYS[1], 'node', 'cid')
if dup then
  if dup ~= '' and f[1] and f[1] ~= '' then redis.call('PUBLISH', ARGV[1] .. 'n:' .. f[1], 'F' .. ARGV[2] .. '\\n\\n' .. dup) end
  return 2
end
if f[2] ~= ARGV[4] then return 0 end
local t = redis.call('HMGET', KEYS[4], 'node', 'cid')
if t[2] ~= ARGV[4] then return 0 end
local max = tonumber(ARGV[9])
local reply = ''
if ARGV[12] ~= '' then
  local m = redis.call('ZRANGEBYSCORE', KEYS[6], ARGV[12], ARGV[12])
  if m[1] then reply = ',"replyTo":{"id":' .. string.sub(m[1], string.find(m[1], ':', 1, true) + 1) .. '}' end
end
-- RPUSH answers the new length: trim only when past the bound (almost never with acks).
local tseq = redis.call('HINCRBY', KEYS[4], 'seq', 1)
local tj = '{"type":"text","body":' .. ARGV[7] .. ',"at":' .. ARGV[8] .. ',"from":"stranger"' .. reply .. ',"seq":' .. tseq .. '}'
if redis.call('RPUSH', KEYS[5], tj) > max then redis.call('LTRIM', KEYS[5], -max, -1) end
redis.call('ZADD', KEYS[7], tseq, tseq .. ':' .. ARGV[5])
if tseq % 64 == 0 then
  local n = redis.call('ZCARD', KEYS[7])
  if n > max then redis.call('ZREMRANGEBYRANK', KEYS[7], 0, n - max - 1) end
end
local there = t[1] and t[1] ~= ''
if there then redis.call('PUBLISH', ARGV[1] .. 'n:' .. t[1], 'F' .. ARGV[3] .. '\\n\\n' .. tj) end
local pre = '{"type":"delivered","id":' .. ARGV[5] .. ',"at":' .. ARGV[8]
if not there then
  -- No socket has it: the receipt waits with the recipient (CLAIM sends it); '' marks it accepted.
  redis.call('RPUSH', KEYS[8], pre .. '\\n' .. ARGV[6])
  redis.call('HSET', KEYS[3], ARGV[6], '')
else
  local fseq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
  local rj = pre .. ',"seq":' .. fseq .. '}'
  if redis.call('RPUSH', KEYS[2], rj) > max then redis.call('LTRIM', KEYS[2], -max, -1) end
  redis.call('HSET', KEYS[3], ARGV[6], rj)
  -- Two generations would be exact; a cap, looked at every 64th receipt, keeps a chatty session bounded.
  if fseq % 64 == 0 and redis.call('HLEN', KEYS[3]) >= 512 then
    redis.call('DEL', KEYS[3])
    redis.call('HSET', KEYS[3], ARGV[6], rj)
  end
  if f[1] and f[1] ~= '' then redis.call('PUBLISH', ARGV[1] .. 'n:' .. f[1], 'F' .. ARGV[2] .. '\\n\\n' .. rj) end
end
-- The chat's last lines, for a report that includes the conversation (read by whichever node takes it).
local tr = ARGV[1] .. 'tr:' .. ARGV[4]
if redis.call('RPUSH', tr, '{"from":"' .. ARGV[2] .. '","body":' .. ARGV[7] .. ',"at":' .. ARGV[8] .. '}') > tonumber(ARGV[10]) then
  redis.call('LTRIM', tr, -tonumber(ARGV[10]), -1)
end
redis.call('PEXPIRE', tr, tonumber(ARGV[11]))
return 1
`

// A \`seen\` from session B: the newest partner text it newly covers becomes a sequenced \`seen\` for
// the partner A (by A's client id). Returns B's latest seq when \`seq\` is beyond it, else -1.
// KEYS: s B, rx B, s A, ob A · ARGV: prefix, A id, seq, chat id, max frames
export const SEEN = `
local b = redis.call('HMGET', KEYS[1], 'seq', 'seen', 'cid')
local cur = tonumber(b[1] or '0')
local n = tonumber(ARGV[3])
if n > cur then return cur end
local last = tonumber(b[2] or '0')
if n <= last then return -1 end
redis.call('HSET', KEYS[1], 'seen', n)
if ARGV[4] == '' or b[3] ~= ARGV[4] then return -1 end
local m = redis.call('ZREVRANGEBYSCORE', KEYS[2], n, '(' .. last, 'LIMIT', 0, 1)
if not m[1] then return -1 end
local a = redis.call('HMGET', KEYS[3], 'node', 'cid')
if a[2] ~= ARGV[4] then return -1 end
local seq = redis.call('HINCRBY', KEYS[3], 'seq', 1)
local j = '{"type":"seen","id":' .. string.sub(m[1], string.find(m[1], ':', 1, true) + 1) .. ',"seq":' .. seq .. '}'
if redis.call('RPUSH', KEYS[4], j) > tonumber(ARGV[5]) then redis.call('LTRIM', KEYS[4], -tonumber(ARGV[5]), -1) end
if a[1] and a[1] ~= '' then redis.call('PUBLISH', ARGV[1] .. 'n:' .. a[1], 'F' .. ARGV[2] .. '\\n\\n' .. j) end
return -1
`

// KEYS: s · ARGV: prefix, id, json
export const SEND = `
local node = redis.call('HGET', KEYS[1], 'node')
if node and node ~= '' then redis.call('PUBLISH', ARGV[1] .. 'n:' .. node, 'F' .. ARGV[2] .. '\\n\\n' .. ARGV[3]) return 1 end
return 0
`

// KEYS: s, ob · ARGV: seq. Returns the latest seq when \`seq\` is beyond it, else -1.
export const ACK = `
local cur = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')
local seq = tonumber(ARGV[1])
if seq > cur then return cur end
local len = redis.call('LLEN', KEYS[2])
local drop = math.min(len, seq - (cur - len))
if drop > 0 then redis.call('LTRIM', KEYS[2], drop, -1) end
return -1
`

// Takes a session to this node; the receipts held for its partner's texts go to the partner now
// (its socket is about to get them in the replay). KEYS: s, ob, exp, ns mine, dr · ARGV: prefix,
// id, me, max frames. Returns false when unknown, else {fields..., outbox}
export const CLAIM = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local old = redis.call('HGET', KEYS[1], 'node')
redis.call('HSET', KEYS[1], 'node', ARGV[3])
redis.call('ZREM', KEYS[3], ARGV[2])
redis.call('SADD', KEYS[4], ARGV[2])
if old and old ~= '' and old ~= ARGV[3] then
  redis.call('SREM', ARGV[1] .. 'ns:' .. old, ARGV[2])
  redis.call('PUBLISH', ARGV[1] .. 'n:' .. old, 'T' .. ARGV[2])
end
local held = redis.call('LRANGE', KEYS[5], 0, -1)
if #held > 0 then
  redis.call('DEL', KEYS[5])
  local me = redis.call('HMGET', KEYS[1], 'pid', 'cid')
  if me[1] and me[1] ~= '' then
    local as = ARGV[1] .. 's:' .. me[1]
    local a = redis.call('HMGET', as, 'node', 'cid')
    if a[2] == me[2] then
      local max = tonumber(ARGV[4])
      for _, h in ipairs(held) do
        local nl = string.find(h, '\\n', 1, true)
        local seq = redis.call('HINCRBY', as, 'seq', 1)
        local rj = string.sub(h, 1, nl - 1) .. ',"seq":' .. seq .. '}'
        if redis.call('RPUSH', ARGV[1] .. 'ob:' .. me[1], rj) > max then redis.call('LTRIM', ARGV[1] .. 'ob:' .. me[1], -max, -1) end
        redis.call('HSET', ARGV[1] .. 'sent:' .. me[1], string.sub(h, nl + 1), rj)
        if a[1] and a[1] ~= '' then redis.call('PUBLISH', ARGV[1] .. 'n:' .. a[1], 'F' .. me[1] .. '\\n\\n' .. rj) end
      end
    end
  end
end
return { redis.call('HGETALL', KEYS[1]), redis.call('LRANGE', KEYS[2], 0, -1) }
`

// The socket left this node: hold the session until the deadline. KEYS: s, exp, ns mine · ARGV: id, me, deadline
export const DETACH = `
if redis.call('HGET', KEYS[1], 'node') ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'node', '')
redis.call('SREM', KEYS[3], ARGV[1])
redis.call('ZADD', KEYS[2], tonumber(ARGV[3]), ARGV[1])
return 1
`

// Held sessions past their deadline, taken by exactly one node. KEYS: exp · ARGV: prefix, now, limit
// Returns quads {id, ip, chat JSON, undelivered: JSON array of the partner's client ids of texts
// this session's client neither acked nor saw ('' when none)}
export const EXPIRE = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[1], id)
  local s = ARGV[1] .. 's:' .. id
  local f = redis.call('HMGET', s, 'node', 'ip', 'chat', 'seq', 'seen')
  if f[1] == '' then
    out[#out + 1] = id
    out[#out + 1] = f[2] or ''
    out[#out + 1] = f[3] or ''
    local rx = ARGV[1] .. 'rx:' .. id
    local lost = ''
    if f[3] and f[3] ~= '' then
      local acked = tonumber(f[4] or '0') - redis.call('LLEN', ARGV[1] .. 'ob:' .. id)
      local from = math.max(acked, tonumber(f[5] or '0'))
      local m = redis.call('ZRANGEBYSCORE', rx, '(' .. from, '+inf')
      if #m > 0 then
        for i, e in ipairs(m) do m[i] = string.sub(e, string.find(e, ':', 1, true) + 1) end
        lost = '[' .. table.concat(m, ',') .. ']'
      end
    end
    out[#out + 1] = lost
    redis.call('DEL', s, ARGV[1] .. 'ob:' .. id, ARGV[1] .. 'sent:' .. id, rx, ARGV[1] .. 'dr:' .. id)
  end
end
return out
`

// A node died: hold its sessions for the resume window. KEYS: ns dead, exp · ARGV: prefix, dead, deadline
// Returns pairs {id, partner id ('' when none), queued '1'/'0'}
export const ORPHAN = `
local ids = redis.call('SMEMBERS', KEYS[1])
local out = {}
for _, id in ipairs(ids) do
  local s = ARGV[1] .. 's:' .. id
  if redis.call('HGET', s, 'node') == ARGV[2] then
    redis.call('HSET', s, 'node', '')
    redis.call('ZADD', KEYS[2], tonumber(ARGV[3]), id)
    local queued = '0'
    if redis.call('HGET', s, 'state') == 'queued' then
      redis.call('HSET', s, 'state', 'idle', 'requeue', '1')
      queued = '1'
    end
    out[#out + 1] = id
    out[#out + 1] = redis.call('HGET', s, 'pid') or ''
    out[#out + 1] = queued
  end
end
redis.call('DEL', KEYS[1])
return out
`

// Puts a connected session of this node back in Redis after a fault. KEYS: s, ns mine, exp ·
// ARGV: id, me, then the record (ip, state, interests, random, requeue, proof, seq, cid, pid,
// chat, last). Returns {0} when the record was gone (re-created from ARGV), {1} when it was this
// node's, {2} when another node holds it now (resumed there), {3, state} when it was held as a
// dead node's (orphaned: taken back).
export const REASSERT = `
local s = KEYS[1]
if redis.call('EXISTS', s) == 0 then
  redis.call('HSET', s, 'node', ARGV[2], 'ip', ARGV[3], 'state', ARGV[4], 'interests', ARGV[5], 'random', ARGV[6], 'requeue', ARGV[7], 'proof', ARGV[8], 'seq', ARGV[9], 'cid', ARGV[10], 'pid', ARGV[11], 'chat', ARGV[12], 'last', ARGV[13])
  redis.call('SADD', KEYS[2], ARGV[1])
  return { 0 }
end
local node = redis.call('HGET', s, 'node') or ''
if node ~= '' and node ~= ARGV[2] then return { 2 } end
redis.call('SADD', KEYS[2], ARGV[1])
if node == ARGV[2] then return { 1 } end
redis.call('HSET', s, 'node', ARGV[2])
redis.call('ZREM', KEYS[3], ARGV[1])
return { 3, redis.call('HGET', s, 'state') or '' }
`
