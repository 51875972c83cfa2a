// The Lua scripts of the cluster's chat backend (cluster/redis-backend.ts), one per step that must
// be atomic in Redis: each push takes its seq, appends to the outbox and publishes in one script, so
// seqs and publishes keep one order and a frame is either in the outbox or was never accepted.
//
// Every script touches ONE session's keys (all of them in KEYS, all under the session's hash tag
// `{s:<id>}`), so on a Redis Cluster it runs on the shard that holds that session. What spans
// several sessions or an index (a relay: the text to one side, the receipt to the other; a seen;
// the receipts a resume hands over; the per-node sets; the expiry index) is split into per-shard steps, ordered so that a step lost to a
// crash leaves something the next step or a later sweep finishes (docs/cluster.md, "one shard per
// script").
//
// The TTL floor (nothing lives forever) costs the hot path almost nothing: a script gives a key its
// TTL when it creates it (a list whose RPUSH answers 1; the per-chat hashes rcv, rx and sent the
// first time a chat writes them, which the record's fields `ti`/`to` remember until the chat
// changes), and the owning node's sweep (TOUCH) refreshes the TTLs of its live sessions. Steps that
// hand a session over (claim, detach, orphan, reassert) refresh all of its keys, so a session held
// by no node keeps them for its window. Refreshing every key in every script was 9 of the 34
// Redis commands of a relayed text.
//
// Frames go to the node holding the recipient's socket, published from inside the script on the
// recipient's own shard (`PUB`, below): messages from one shard reach a subscriber in the order the
// shard published them, which is what keeps the order per recipient. On one Redis that is PUBLISH
// to the node's channel (ARGV[1] .. node). On a Redis Cluster it is SPUBLISH to the node's channel
// for the session's slot (ARGV[1] carries the slot's tag, slots.ts): classic PUBLISH is copied to
// every master over the cluster bus, SPUBLISH stays on the one shard. Keys and channels are listed
// at the top of redis-backend.ts.

/**
 * A script as it runs: `PUB` is PUBLISH on one Redis, SPUBLISH on a Redis Cluster (a script may
 * SPUBLISH only to a channel of its own shard; the session's slot channel always is).
 */
export function scriptFor(lua: string, sharded: boolean): string {
  return `local PUB = '${sharded ? 'SPUBLISH' : 'PUBLISH'}'\n${lua}`
}

/** Refreshes the TTL (ARGV[ttlArg], ms) of KEYS[1..n]; a key that does not exist is left alone. Not on the hot path. */
const touch = (n: number, ttlArg: number) => `
for i = 1, ${n} do redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[${ttlArg}])) end`

// Pushes one sequenced frame (or only a state change) to a session and publishes it to its node.
// KEYS: s, ob, sent, rcv, rx, dr · ARGV: channel prefix, id, frame JSON without seq ('' = none), ctl
// JSON ('' = none), ctl type, chat id, partner id, chat/last JSON, max frames, ttl ms
export const PUSH = `
local s = KEYS[1]
if redis.call('EXISTS', s) == 0 then return 0 end
local t = ARGV[5]
if t == 'ended' then
  if redis.call('HGET', s, 'cid') ~= ARGV[6] then return 0 end
  -- The chat's texts and the receipts still held for them go with it (and the TTL marks with them).
  redis.call('HSET', s, 'cid', '', 'pid', '', 'chat', '', 'state', 'idle', 'last', ARGV[8], 'ti', '')
  redis.call('DEL', KEYS[5], KEYS[6])
elseif t == 'matched' then
  redis.call('HSET', s, 'cid', ARGV[6], 'pid', ARGV[7], 'chat', ARGV[8], 'state', 'chatting', 'requeue', '0', 'ti', '', 'to', '')
  redis.call('DEL', KEYS[3], KEYS[4], KEYS[5], KEYS[6])
end
local json = ''
if ARGV[3] ~= '' then
  local seq = redis.call('HINCRBY', s, 'seq', 1)
  json = string.sub(ARGV[3], 1, -2) .. ',"seq":' .. seq .. '}'
  local n = redis.call('RPUSH', KEYS[2], json)
  if n > tonumber(ARGV[9]) then redis.call('LTRIM', KEYS[2], -tonumber(ARGV[9]), -1)
  elseif n == 1 then redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[10])) end
end
local node = redis.call('HGET', s, 'node')
if node and node ~= '' then
  redis.call(PUB, ARGV[1] .. node, 'F' .. ARGV[2] .. '\\n' .. ARGV[4] .. '\\n' .. json)
end
return 1
`

// The sender's partner text being quoted (replyTo), on the sender's shard, read before the relay
// when a text has one: rx maps the sender's seqs to the partner's client ids (seen, replyTo and
// undelivered all resolve through it). Answers the partner's client id JSON, or '' when that seq
// is not a partner text of this chat still kept.
// KEYS: s from, rx from · ARGV: chat id, replyTo seq
export const REPLY_OF = `
if redis.call('HGET', KEYS[1], 'cid') ~= ARGV[1] then return '' end
local m = redis.call('ZRANGEBYSCORE', KEYS[2], ARGV[2], ARGV[2])
if not m[1] then return '' end
return string.sub(m[1], string.find(m[1], ':', 1, true) + 1)
`

// The relay, step 1, on the recipient's shard: the stranger's text to \`to\`. 1 relayed (\`to\` has a
// socket: the receipt now), 3 relayed and its receipt held in dr until \`to\`'s socket is back
// (CLAIM hands it over), 2 already relayed (a resend: rcv remembers the sender's client ids of
// this chat), 4 already relayed and its receipt still held, 0 \`to\` not in that chat.
// rx (zset, score = \`to\`'s seq, member "<seq>:<sender's client id JSON>"): which of \`to\`'s seqs
// carried which partner text, for seen, replyTo and undelivered. dr (list): receipts held for the
// partner, each "<receipt JSON without seq>\\n<client id>".
// rcv (hash): the sender's client ids of this chat, as fields; only whether one is there counts.
// KEYS: s to, ob to, rcv to, rx to, dr to · ARGV: channel prefix, to, chat id, client id, body
// JSON, at, max frames, ttl ms, client id JSON, replyTo id JSON ('' = none), calling node (RELAY only)
export const RELAY_IN = `
local t = redis.call('HMGET', KEYS[1], 'node', 'cid', 'ti')
if t[2] ~= ARGV[3] then return 0 end
local there = t[1] and t[1] ~= ''
-- The resend check and its record in one command (one scan of a small hash instead of two).
if redis.call('HSETNX', KEYS[3], ARGV[4], '1') == 0 then
  if not there then
    local tail = '\\n' .. ARGV[4]
    for _, h in ipairs(redis.call('LRANGE', KEYS[5], 0, -1)) do
      if string.sub(h, -#tail) == tail then return 4 end
    end
  end
  return 2
end
local max = tonumber(ARGV[7])
local reply = ''
if ARGV[10] ~= '' then reply = ',"replyTo":{"id":' .. ARGV[10] .. '}' end
-- RPUSH answers the new length: trim only when past the bound (almost never with acks).
local ttl = tonumber(ARGV[8])
local tseq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
local tj = '{"type":"text","body":' .. ARGV[5] .. ',"at":' .. ARGV[6] .. ',"from":"stranger"' .. reply .. ',"seq":' .. tseq .. '}'
local n = redis.call('RPUSH', KEYS[2], tj)
if n > max then redis.call('LTRIM', KEYS[2], -max, -1) elseif n == 1 then redis.call('PEXPIRE', KEYS[2], ttl) end
redis.call('ZADD', KEYS[4], tseq, tseq .. ':' .. ARGV[9])
if tseq % 64 == 0 then
  local n = redis.call('ZCARD', KEYS[4])
  if n > max then redis.call('ZREMRANGEBYRANK', KEYS[4], 0, n - max - 1) end
end
-- To the recipient's node; in the answer instead when that is the calling node (ARGV[11], passed
-- by the one-shard RELAY only), which shows it from there: a pair on one node then costs no
-- PUBLISH to itself, nor a message for that node to read back.
local back = ''
if there then
  if t[1] == ARGV[11] then back = tj else redis.call(PUB, ARGV[1] .. t[1], 'F' .. ARGV[2] .. '\\n\\n' .. tj) end
end
-- Bounded like the sender's receipts (checked every 64th text): a resend older than that is rare.
local fresh = t[3] ~= '1'
if tseq % 64 == 0 and redis.call('HLEN', KEYS[3]) >= 512 then
  redis.call('DEL', KEYS[3])
  redis.call('HSET', KEYS[3], ARGV[4], '1')
  fresh = true
end
if fresh then
  -- The chat's first text here (or rcv was just capped): rcv and rx are new, give them the floor.
  redis.call('PEXPIRE', KEYS[3], ttl)
  redis.call('PEXPIRE', KEYS[4], ttl)
  if t[3] ~= '1' then redis.call('HSET', KEYS[1], 'ti', '1') end
end
local code = 1
if not there then
  -- No socket has it: the receipt waits with the recipient.
  if redis.call('RPUSH', KEYS[5], '{"type":"delivered","id":' .. ARGV[9] .. ',"at":' .. ARGV[6] .. '\\n' .. ARGV[4]) == 1 then
    redis.call('PEXPIRE', KEYS[5], ttl)
  end
  code = 3
end
-- A script answers its first value only: run alone this step answers the code.
return code, back
`

// The relay, step 2, on the sender's shard: the sender's receipt (taken once per client id; a
// resend gets the first one again). \`mode\` is what step 1 found: '1' make the receipt now, '3'
// the receipt is held with the recipient (kept here as '' so a resend is neither relayed nor
// answered), '0' step 1 refused (answer a kept receipt only). Answers {code, receipt}: code 1
// done, 2 the kept one again (or still held: nothing sent), 0 none (\`from\` is no longer in that
// chat, or mode '0' and none kept); receipt is the sequenced receipt when the sender's socket is on
// the calling node (ARGV[10]), which shows it from this answer instead of hearing it back through
// PUB/SUB (one PUBLISH less per text, and one message less for that node to read), else ''.
// \`new\` (ARGV[11]) '1': step 1 has just relayed this text for the first time, so no receipt can be
// kept for it and the lookup is skipped (a retry of this step after a fault passes '').
// KEYS: s from, ob from, sent from · ARGV: channel prefix, from, chat id, client id JSON, client
// id, at, max frames, ttl ms, mode, calling node, new
export const RELAY_OUT = `
local dup = false
if ARGV[11] ~= '1' then dup = redis.call('HGET', KEYS[3], ARGV[5]) end
local f = redis.call('HMGET', KEYS[1], 'node', 'cid', 'to')
-- The receipt to the sender's node: in the answer when that is the caller, else published.
local function out(j)
  if not f[1] or f[1] == '' then return '' end
  if f[1] == ARGV[10] then return j end
  redis.call(PUB, ARGV[1] .. f[1], 'F' .. ARGV[2] .. '\\n\\n' .. j)
  return ''
end
if dup and dup ~= '' then return {2, out(dup)} end
local mode = ARGV[9]
if mode == '0' then
  if dup then return {2, ''} end
  return {0, ''}
end
if f[2] ~= ARGV[3] then return {0, ''} end
local ttl = tonumber(ARGV[8])
-- The chat's first receipt here: sent is new, give it the floor (marked in the record until the next chat).
local function fresh()
  if f[3] ~= '1' then
    redis.call('PEXPIRE', KEYS[3], ttl)
    redis.call('HSET', KEYS[1], 'to', '1')
  end
end
if mode == '3' then
  if not dup then redis.call('HSET', KEYS[3], ARGV[5], '') end
  fresh()
  return {1, ''}
end
-- A '' here with mode '1' is a held receipt whose hand-over was lost (a crash): make it now.
local max = tonumber(ARGV[7])
local fseq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
local rj = '{"type":"delivered","id":' .. ARGV[4] .. ',"at":' .. ARGV[6] .. ',"seq":' .. fseq .. '}'
local n = redis.call('RPUSH', KEYS[2], rj)
if n > max then redis.call('LTRIM', KEYS[2], -max, -1) elseif n == 1 then redis.call('PEXPIRE', KEYS[2], ttl) end
redis.call('HSET', KEYS[3], ARGV[5], rj)
fresh()
-- Two generations would be exact; a cap, looked at every 64th receipt, keeps a chatty session bounded.
if fseq % 64 == 0 and redis.call('HLEN', KEYS[3]) >= 512 then
  redis.call('DEL', KEYS[3])
  redis.call('HSET', KEYS[3], ARGV[5], rj)
  redis.call('PEXPIRE', KEYS[3], ttl)
end
return {1, out(rj)}
`

// The receipts held with a resumed session (CLAIM answers them), handed to its partner on the
// partner's shard: each becomes a sequenced \`delivered\`. Only one still marked held ('') or not
// known is made, so running this twice (a retry, a crash before dr was trimmed) sends none twice.
// KEYS: s A, ob A, sent A · ARGV: channel prefix, A id, chat id, max frames, ttl ms, held entries…
export const RELEASE = `
local a = redis.call('HMGET', KEYS[1], 'node', 'cid')
if a[2] ~= ARGV[3] then return 0 end
local max = tonumber(ARGV[4])
for i = 6, #ARGV do
  local h = ARGV[i]
  local nl = string.find(h, '\\n', 1, true)
  local id = string.sub(h, nl + 1)
  local kept = redis.call('HGET', KEYS[3], id)
  if not kept or kept == '' then
    local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
    local rj = string.sub(h, 1, nl - 1) .. ',"seq":' .. seq .. '}'
    if redis.call('RPUSH', KEYS[2], rj) > max then redis.call('LTRIM', KEYS[2], -max, -1) end
    redis.call('HSET', KEYS[3], id, rj)
    if a[1] and a[1] ~= '' then redis.call(PUB, ARGV[1] .. a[1], 'F' .. ARGV[2] .. '\\n\\n' .. rj) end
  end
end
${touch(3, 5)}
return 1
`

// A \`seen\` from session B, step 1 on B's shard: remembers how far B has seen and finds the newest
// partner text that newly covers. Returns B's latest seq (a number) when \`seq\` is beyond it, the
// partner's client id JSON (a string) when a \`seen\` goes to the partner (step 2, SEEN_OUT), else -1.
// KEYS: s B, rx B · ARGV: seq, chat id ('' = not in a chat)
export const SEEN_MARK = `
local b = redis.call('HMGET', KEYS[1], 'seq', 'seen', 'cid')
local cur = tonumber(b[1] or '0')
local n = tonumber(ARGV[1])
if n > cur then return cur end
local last = tonumber(b[2] or '0')
if n <= last then return -1 end
redis.call('HSET', KEYS[1], 'seen', n)
if ARGV[2] == '' or b[3] ~= ARGV[2] then return -1 end
local m = redis.call('ZREVRANGEBYSCORE', KEYS[2], n, '(' .. last, 'LIMIT', 0, 1)
if not m[1] then return -1 end
return string.sub(m[1], string.find(m[1], ':', 1, true) + 1)
`

// A \`seen\`, step 2 on the partner A's shard: a sequenced \`seen\` naming A's text by its client id.
// KEYS: s A, ob A · ARGV: channel prefix, A id, chat id, client id JSON, max frames, ttl ms
export const SEEN_OUT = `
local a = redis.call('HMGET', KEYS[1], 'node', 'cid')
if a[2] ~= ARGV[3] then return 0 end
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
local j = '{"type":"seen","id":' .. ARGV[4] .. ',"seq":' .. seq .. '}'
local n = redis.call('RPUSH', KEYS[2], j)
if n > tonumber(ARGV[5]) then redis.call('LTRIM', KEYS[2], -tonumber(ARGV[5]), -1)
elseif n == 1 then redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[6])) end
if a[1] and a[1] ~= '' then redis.call(PUB, ARGV[1] .. a[1], 'F' .. ARGV[2] .. '\\n\\n' .. j) end
return 1
`

// The chat's last lines, for a report that includes the conversation (read by whichever node takes
// it), on the chat's own shard. The first line gives the list the TTL floor; the nodes of the chat's
// sessions refresh it while the chat lives and cut it to the after-chat keep when it ends. Cut back
// to the lines kept only once it holds a third more (one LTRIM per ten texts of a long chat instead
// of one per text, for a third more memory); the reader takes the last lines kept.
// KEYS: tr · ARGV: line JSON, lines kept, ttl ms
export const TRANSCRIPT = `
local n = redis.call('RPUSH', KEYS[1], ARGV[1])
local keep = tonumber(ARGV[2])
if n > keep + math.floor(keep / 3) then redis.call('LTRIM', KEYS[1], -keep, -1)
elseif n == 1 then redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3])) end
return 1
`

/** A step's body as a Lua function with KEYS and ARGV of its own, so one script can run several steps. */
const step = (name: string, body: string) => `local function ${name}(KEYS, ARGV)${body}end
`

// The whole relay in one script, when both sessions and the chat's transcript are on one shard
// (one Redis, not a Redis Cluster): the quoted text's lookup, step 1, step 2 and the transcript
// line, the same code as the split steps, run as one. One script instead of three is one script
// call's overhead instead of three, and the receipt is made in the same atomic step as the text, so
// no crash or fault can fall between them. Answers {step 1's code, step 2's code, step 2's receipt,
// the text when the recipient's socket is on the calling node (else '')}.
// KEYS: s to, ob to, rcv to, rx to, dr to, s from, ob from, sent from, rx from, tr · ARGV: channel
// prefix, to, chat id, client id, body JSON, at, max frames, ttl ms, client id JSON, replyTo seq
// ('' = none), from, transcript line JSON, lines kept, calling node
export const RELAY =
  step('reply_of', REPLY_OF) +
  step('relay_in', RELAY_IN) +
  step('relay_out', RELAY_OUT) +
  step('transcript', TRANSCRIPT) +
  `
local reply = ''
if ARGV[10] ~= '' then reply = reply_of({KEYS[6], KEYS[9]}, {ARGV[3], ARGV[10]}) end
local r, text = relay_in({KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]}, {ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], reply, ARGV[14]})
-- What step 2 is told of step 1, as relayText tells it when they are two scripts.
local mode = '1'
if r == 0 then mode = '0' elseif r == 3 or r == 4 then mode = '3' end
local new = ''
if r == 1 or r == 3 then new = '1' end
local rr = relay_out({KEYS[6], KEYS[7], KEYS[8]}, {ARGV[1], ARGV[11], ARGV[3], ARGV[9], ARGV[4], ARGV[6], ARGV[7], ARGV[8], mode, ARGV[14], new})
if (r == 1 or r == 3) and ARGV[3] ~= '' then transcript({KEYS[10]}, {ARGV[12], ARGV[13], ARGV[8]}) end
return {r, rr[1], rr[2], text or ''}
`

// After the session's partition moved to another master: its seq, sent to this node on the
// session's own channel, so it arrives after every frame the shard published before it (a frame
// published while the node had no subscription there never will: the node then knows it missed one).
// KEYS: s · ARGV: channel prefix, id, node
export const PROBE = `
local seq = redis.call('HGET', KEYS[1], 'seq') or '0'
redis.call(PUB, ARGV[1] .. ARGV[3], 'Q' .. ARGV[2] .. '\\n' .. seq)
return 1
`

// A node's ping of its own channel of one partition (KEYS[1], a key of that partition, only routes
// the script to the partition's shard): when it comes back, the node's subscription there is live.
// ARGV: channel, message
export const PING = `
redis.call(PUB, ARGV[1], ARGV[2])
return 1
`

// An ephemeral frame (typing, partner, rtc…): tagged E, not F, so that no field a client put in it
// could pass for a seq (the node takes an F frame's seq for a sequenced frame's, to notice holes).
// KEYS: s · ARGV: channel prefix, id, json
export const SEND = `
local node = redis.call('HGET', KEYS[1], 'node')
if node and node ~= '' then redis.call(PUB, ARGV[1] .. node, 'E' .. ARGV[2] .. '\\n\\n' .. ARGV[3]) return 1 end
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

// A new session. KEYS: s · ARGV: ttl ms, then field/value pairs
export const CREATE = `
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]))
return 1
`

// Refreshes a live session's TTLs (the owning node does it for its sessions, see TTL floor).
// KEYS: s, ob, sent, rcv, rx, dr · ARGV: ttl ms
export const TOUCH = `
${touch(6, 1)}
return 1
`

// Takes a session to this node (the caller added it to this node's set first). KEYS: s, ob, sent,
// rcv, rx, dr · ARGV: channel prefix, id, me, ttl ms. Returns false when unknown, else {fields...,
// outbox, previous node ('' when none), receipts held for the partner (dr)}; the previous node is
// told (T) to close its socket. The held receipts stay in dr until the partner's shard has made
// them (RELEASE), then the caller trims them: a crash in between loses none.
export const CLAIM = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local old = redis.call('HGET', KEYS[1], 'node') or ''
redis.call('HSET', KEYS[1], 'node', ARGV[3], 'hold', '')
if old ~= '' and old ~= ARGV[3] then
  redis.call(PUB, ARGV[1] .. old, 'T' .. ARGV[2])
end
${touch(6, 4)}
return { redis.call('HGETALL', KEYS[1]), redis.call('LRANGE', KEYS[2], 0, -1), old, redis.call('LRANGE', KEYS[6], 0, -1) }
`

// The socket left this node: hold the session until the deadline (the caller put it in the expiry
// index first). KEYS: s, ob, sent, rcv, rx, dr · ARGV: me, deadline, ttl ms
export const DETACH = `
if redis.call('HGET', KEYS[1], 'node') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'node', '', 'hold', ARGV[2])
${touch(6, 3)}
return 1
`

// One held session past its deadline, taken by exactly one node (DEL is atomic on its shard).
// KEYS: s, ob, sent, rcv, rx, dr · ARGV: now. Returns {1, ip, chat, undelivered} when it expired
// (keys deleted; undelivered: JSON array of the partner's client ids of texts this session's client
// neither acked nor saw, '' when none), {0} when it is alive or held longer (connected again, or
// detached again), {-1} when it is gone.
export const EXPIRE_ONE = `
local f = redis.call('HMGET', KEYS[1], 'node', 'ip', 'chat', 'hold', 'seq', 'seen')
if not f[2] then return { -1 } end
if f[1] ~= '' or tonumber(f[4] or '0') > tonumber(ARGV[1]) then return { 0 } end
local lost = ''
if f[3] and f[3] ~= '' then
  local acked = tonumber(f[5] or '0') - redis.call('LLEN', KEYS[2])
  local from = math.max(acked, tonumber(f[6] or '0'))
  local m = redis.call('ZRANGEBYSCORE', KEYS[5], '(' .. from, '+inf')
  if #m > 0 then
    for i, e in ipairs(m) do m[i] = string.sub(e, string.find(e, ':', 1, true) + 1) end
    lost = '[' .. table.concat(m, ',') .. ']'
  end
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6])
return { 1, f[2] or '', f[3] or '', lost }
`

// A goodbye (close 1000): the session is over and nothing of it is kept for a resume, so its keys
// go now rather than when its window would have passed. Only while no other node holds it (a
// resume elsewhere wins). KEYS: s, ob, sent, rcv, rx, dr · ARGV: me. Returns 1 deleted, 0 not.
export const FORGET = `
local node = redis.call('HGET', KEYS[1], 'node')
if node and node ~= '' and node ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6])
return 1
`

// The expiry sweep's next batch: up to ARGV[3] ids due by ARGV[1], leased to the caller by moving
// their score to ARGV[2] (now + a lease), so nodes polling at once split the work instead of all
// taking the same first ids. A node that dies with a lease leaves its ids due again when the
// lease ends. A session detached again meanwhile gets its new deadline (ZADD), which the unindex
// below then does not match. KEYS: exp · ARGV: now, lease end, max ids. Returns the ids.
export const TAKE_DUE = `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
if #due == 0 then return due end
local args = {}
for i, id in ipairs(due) do
  args[2 * i - 1] = ARGV[2]
  args[2 * i] = id
end
redis.call('ZADD', KEYS[1], 'XX', unpack(args))
return due
`

// Removes expiry index entries only if they still have the score they were leased with (a session
// detached again since has a later deadline). KEYS: exp · ARGV: lease end, ids…
export const UNINDEX = `
local lease = tonumber(ARGV[1])
for i = 2, #ARGV do
  if tonumber(redis.call('ZSCORE', KEYS[1], ARGV[i])) == lease then redis.call('ZREM', KEYS[1], ARGV[i]) end
end
return 1
`

// A node died: hold one of its sessions for the resume window (the caller put it in the expiry
// index first). KEYS: s, ob, sent, rcv, rx, dr · ARGV: dead, deadline, ttl ms
// Returns {1, partner id ('' when none), queued '1'/'0'}, or {0} when it is not the dead node's.
export const ORPHAN_ONE = `
if redis.call('HGET', KEYS[1], 'node') ~= ARGV[1] then return { 0 } end
redis.call('HSET', KEYS[1], 'node', '', 'hold', ARGV[2])
local queued = '0'
if redis.call('HGET', KEYS[1], 'state') == 'queued' then
  redis.call('HSET', KEYS[1], 'state', 'idle', 'requeue', '1')
  queued = '1'
end
${touch(6, 3)}
return { 1, redis.call('HGET', KEYS[1], 'pid') or '', queued }
`

// Puts a connected session of this node back in Redis after a fault (the caller added it to this
// node's set first). KEYS: s · ARGV: me, ttl ms, then the record (ip, state, interests, random,
// requeue, proof, seq, cid, pid, chat, last, langs, anyl, video). Returns {0} when the record was gone (re-created
// from ARGV), {1} when it was this node's, {2} when another node holds it now (resumed there), {3,
// state} when it was held as a dead node's (orphaned: taken back).
export const REASSERT = `
local s = KEYS[1]
if redis.call('EXISTS', s) == 0 then
  redis.call('HSET', s, 'node', ARGV[1], 'hold', '', 'ip', ARGV[3], 'state', ARGV[4], 'interests', ARGV[5], 'random', ARGV[6], 'requeue', ARGV[7], 'proof', ARGV[8], 'seq', ARGV[9], 'cid', ARGV[10], 'pid', ARGV[11], 'chat', ARGV[12], 'last', ARGV[13], 'langs', ARGV[14], 'anyl', ARGV[15], 'video', ARGV[16])
  redis.call('PEXPIRE', s, tonumber(ARGV[2]))
  return { 0 }
end
local node = redis.call('HGET', s, 'node') or ''
if node ~= '' and node ~= ARGV[1] then return { 2 } end
redis.call('PEXPIRE', s, tonumber(ARGV[2]))
if node == ARGV[1] then return { 1 } end
redis.call('HSET', s, 'node', ARGV[1], 'hold', '')
return { 3, redis.call('HGET', s, 'state') or '' }
`

// Adds sessions to a node's set (an index) and refreshes its TTL. KEYS: ns · ARGV: ttl ms, ids…
export const INDEX_ADD = `
redis.call('SADD', KEYS[1], unpack(ARGV, 2))
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]))
return 1
`
