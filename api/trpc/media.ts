// media.ticket — the first step of an upload: checks that the session is in a chat, the declared
// size and type, and hands back a single-use upload URL bound to this session and chat.
// The uploadUrl is relative (/upload/<ticket>): the client resolves it against the origin it
// called, which is right behind nginx, on any host name, and in tests on a random port.
import { z } from 'zod'
import type { ChatGuard } from '../chat/guard'
import type { Config } from '../config'
import { checkDeclared, defaultName, MEDIA_KINDS } from '../media/allowlist'
import { sanitiseName } from '../media/names'
import type { ImageScreen } from '../media/screen'
import type { TicketStore } from '../media/tickets'
import { appError, router, sessionProcedure } from './trpc'

export interface MediaTicketDeps {
  config: Pick<Config, 'maxUploadBytes'>
  guard: Pick<ChatGuard, 'checkAction'>
  /** The same store PUT /upload redeems from (made once, in http-deps.ts). */
  tickets: Pick<TicketStore, 'issue'>
  /** The image classifier, warmed by an image ticket (the upload follows in a moment). */
  classifier: Pick<ImageScreen, 'warm'>
}

export function mediaRouter({ config, guard, tickets, classifier }: MediaTicketDeps) {
  return router({
    ticket: sessionProcedure
      .input(
        z.object({
          kind: z.enum(MEDIA_KINDS),
          mime: z.string().max(200),
          size: z.number().int().min(0),
          name: z.string().max(1000),
        }),
      )
      .output(z.object({ uploadUrl: z.string(), expiresAt: z.number(), maxBytes: z.number() }))
      .mutation(async ({ ctx, input }) => {
        const refusal = guard.checkAction('ticket', { sessionId: ctx.session.id, ipHash: ctx.ipHash })
        if (refusal) throw appError('TOO_MANY_REQUESTS', refusal.code, refusal.message, refusal.retryAfterMs)

        const chat = ctx.session.chat
        if (!chat) throw appError('PRECONDITION_FAILED', 'not_in_chat', 'you can only send media while in a chat')
        if (input.size > config.maxUploadBytes) {
          throw appError('PAYLOAD_TOO_LARGE', 'too_large', `uploads are limited to ${config.maxUploadBytes} bytes; this one is ${input.size}`)
        }
        if (input.size === 0) throw appError('BAD_REQUEST', 'empty_upload', 'the file is empty')
        const declared = checkDeclared(input.kind, input.mime)
        if (!declared.ok) throw appError('UNSUPPORTED_MEDIA_TYPE', declared.code, declared.message)

        const issued = await tickets.issue({
          sessionId: ctx.session.id,
          chatId: chat.id,
          kind: input.kind,
          mime: declared.value,
          name: sanitiseName(input.name) || defaultName(input.kind, declared.value),
          size: input.size,
        })
        if (!issued) throw appError('SERVICE_UNAVAILABLE', 'cache_unavailable', 'uploads are unavailable for a moment (ticket store unreachable), try again')
        // Have the model loaded by the time the image arrives (a no-op once it runs).
        if (input.kind === 'image') classifier.warm()
        return { uploadUrl: `/upload/${issued.token}`, expiresAt: issued.expiresAt, maxBytes: config.maxUploadBytes }
      }),
  })
}
