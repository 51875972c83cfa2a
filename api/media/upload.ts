// PUT /upload/:ticket — the second step of an upload. The ticket is redeemed before a byte is
// read; the body is streamed to a temp file with the real byte count enforced; the content is
// sniffed; an image is screened (api/media/screen.ts); only then is it stored, recorded, and
// announced to both sides of the chat.
import type { Context } from 'hono'
import type { MediaInfo } from '../chat/protocol'
import type { HttpEnv } from '../http-env'
import { HTTP_ERROR_MESSAGES, httpError, type HttpErrorCode } from '../http-error'
import { newMediaId } from '../ids'
import type { Hub } from '../chat/hub'
import type { Config } from '../config'
import type { Logger } from '../log'
import type { Metrics } from '../ops/metrics'
import type { Moderation } from '../safety/moderation'
import { bearer } from '../bearer'
import { inspectUpload } from './inspect'
import type { MediaRecords } from './records'
import type { ImageScreen } from './screen'
import type { MediaLinks } from './signing'
import type { MediaStorage } from './storage'
import type { ScreenStrikes } from './strikes'
import type { TicketStore } from './tickets'

export interface UploadDeps {
  config: Pick<Config, 'maxUploadBytes' | 'maxVoiceSeconds' | 'mediaRetentionSeconds'>
  /** Finds the uploader's session and announces the stored file to both sides of its chat. */
  hub: Pick<Hub, 'session' | 'lookup' | 'shareMedia'>
  /** Only for the uploader's keyed session ref, as reports store it. */
  moderation: Pick<Moderation, 'sessionRef'>
  screening: { screen: Pick<ImageScreen, 'enabled' | 'screen'>; strikes: Pick<ScreenStrikes, 'record'> }
  log: Pick<Logger, 'info' | 'error'>
  metrics: Pick<Metrics, 'inc'>
  now: () => number
  tickets: Pick<TicketStore, 'claim'>
  storage: Pick<MediaStorage, 'write' | 'commit' | 'discard' | 'remove'>
  records: Pick<MediaRecords, 'insert' | 'remove'>
  links: Pick<MediaLinks, 'create'>
}

/** File-system errors that mean "storage is full or read-only", not a bug: answered 503. */
const STORAGE_REFUSED = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'EIO'])

type Status = 400 | 401 | 403 | 404 | 409 | 410 | 413 | 415 | 422 | 500 | 503

export function createUploadHandler(deps: UploadDeps) {
  const { config, hub, moderation, screening, log, metrics, now, tickets, storage, records, links } = deps

  return async (c: Context<HttpEnv>) => {
    const fail = (status: Status, code: HttpErrorCode, message: string) => {
      metrics.inc('uploads_total', { result: code })
      return httpError(c, status, code, message)
    }
    const failWith = (status: Status, code: keyof typeof HTTP_ERROR_MESSAGES) => fail(status, code, HTTP_ERROR_MESSAGES[code])

    // A foreign Origin was already refused by the safety middleware on /upload/* (api/http.ts).
    const tooLarge = `uploads are limited to ${config.maxUploadBytes} bytes`
    const length = c.req.header('content-length')
    if (length !== undefined && /^\d+$/.test(length) && Number(length) > config.maxUploadBytes) return fail(413, 'too_large', tooLarge)

    const token = bearer(c.req.header('authorization'))
    // A session held here answers at once; one on another node (several nodes) is looked up.
    const session = token ? (hub.session(token) ?? (await hub.lookup(token))) : null
    if (!session) return failWith(401, 'no_session')
    const body = c.req.raw.body
    if (!body || length === '0') return failWith(400, 'empty_upload')

    const claim = await tickets.claim(c.req.param('ticket') ?? '', session.id, session.chat?.id ?? null)
    if (!claim.ok) return fail(claim.status, claim.code, claim.message)
    const { ticket } = claim
    // The ticket was granted for the size the client declared (media.ticket checks it against
    // MAX_UPLOAD_BYTES); more bytes than that are refused, counted as they arrive.
    const cap = Math.min(config.maxUploadBytes, ticket.size)
    const overTicket = () => fail(413, 'larger_than_ticket', `this upload ticket was for ${ticket.size} bytes; ask for a new ticket with the real size`)
    if (length !== undefined && /^\d+$/.test(length) && Number(length) > cap) return overTicket()

    let tmp: string | null = null
    // Set while a stored file or row exists that no chat has been told about; undone in finally.
    let key: string | null = null
    let rowId: string | null = null
    try {
      const written = await storage.write(body, cap)
      if (!written.ok) {
        if (written.reason === 'aborted') return failWith(400, 'upload_aborted')
        return cap < config.maxUploadBytes ? overTicket() : fail(413, 'too_large', tooLarge)
      }
      tmp = written.tmp
      if (written.size === 0) return failWith(400, 'empty_upload')
      const inspection = await inspectUpload(written.tmp, written.size, ticket, { maxVoiceSeconds: config.maxVoiceSeconds })
      if (!inspection.ok) return fail(inspection.status, inspection.code, inspection.message)

      // Before anyone sees a link. Always settles within SCREEN_TIMEOUT_MS (no verdict → flagged).
      const screened = ticket.kind === 'image' && screening.screen.enabled
      const verdict = screened ? await screening.screen.screen(written.tmp, inspection.mime) : null
      if (verdict?.flagged && verdict.score !== null) {
        // A real verdict counts against the address; "could not screen in time" does not.
        const strikes = await screening.strikes.record(session.ipHash)
        log.info('image flagged', { ipHash: session.ipHash, score: Number(verdict.score.toFixed(3)), strikes })
      }
      // What the client needs to lay the item out before it loads (null when the header did not say).
      const shape = {
        width: inspection.image?.width ?? null,
        height: inspection.image?.height ?? null,
        durationMs: inspection.seconds === null ? null : Math.round(inspection.seconds * 1000),
      }
      key = await storage.commit(written.tmp)
      const id = newMediaId()
      const createdAt = now()
      rowId = id
      await records.insert({
        id,
        kind: ticket.kind,
        mime: inspection.mime,
        size: written.size,
        name: ticket.name,
        storageKey: key,
        chatId: ticket.chatId,
        // A keyed hash, as reports store: the bearer token itself never reaches the database.
        uploader: moderation.sessionRef(session.id),
        createdAt,
        expiresAt: createdAt + config.mediaRetentionSeconds * 1000,
        ...shape,
        flagged: verdict?.flagged ?? false,
        screenScore: verdict?.score ?? null,
      })
      const link = links.create(id)
      const media: MediaInfo = { id, kind: ticket.kind, mime: inspection.mime, size: written.size, name: ticket.name, url: link.url, expiresAt: link.expiresAt, ...present(shape) }
      if (verdict) media.flagged = verdict.flagged

      if (!(await hub.shareMedia(session.id, ticket.chatId, media))) {
        // The chat ended while the bytes were arriving: nobody may ever see this file.
        return failWith(409, 'chat_ended')
      }
      key = rowId = null
      metrics.inc('uploads_total', { result: 'ok' })
      metrics.inc('upload_bytes_total', undefined, written.size)
      return c.json({ media }, 201)
    } catch (err) {
      const code = (err as NodeJS.ErrnoException | null)?.code
      if (code && STORAGE_REFUSED.has(code)) {
        // Only the code: the error's message names our absolute path. /readyz turns 503 as well.
        log.error('upload could not be written', { code })
        return failWith(503, 'storage_unavailable')
      }
      log.error('upload failed', { err })
      return failWith(500, 'internal')
    } finally {
      if (tmp) await storage.discard(tmp)
      if (rowId) await records.remove([rowId]).catch(err => log.error('could not remove an unshared media row', { err }))
      if (key) await storage.remove(key).catch(() => false)
    }
  }
}

/** Only the fields that are known: absent, not null, in the `media` frame. */
function present(shape: { width: number | null; height: number | null; durationMs: number | null }): Pick<MediaInfo, 'width' | 'height' | 'durationMs'> {
  const out: Pick<MediaInfo, 'width' | 'height' | 'durationMs'> = {}
  if (shape.width !== null && shape.height !== null) {
    out.width = shape.width
    out.height = shape.height
  }
  if (shape.durationMs !== null) out.durationMs = shape.durationMs
  return out
}
