// rtc.iceServers — the TURN relays and a short-lived credential for a video chat. Only for a
// session in a video chat or searching for one: a credential is a relay's bandwidth, not a
// public service. The answer is relay-only (iceTransportPolicy "relay"); there is never a STUN
// server or a direct path to fall back to.
import { z } from 'zod'
import { iceConfig } from '../rtc/turn-credentials'
import { appError, router, sessionProcedure } from './trpc'

/** The keyed session reference in a TURN username: 128 bits of an HMAC, never the token. */
const USER_REF_CHARS = 22

export const rtcRouter = router({
  iceServers: sessionProcedure
    .output(
      z.object({
        iceServers: z.array(z.object({ urls: z.array(z.string()), username: z.string(), credential: z.string() })),
        iceTransportPolicy: z.literal('relay'),
        expiresAt: z.number(),
      }),
    )
    .query(({ ctx }) => {
      const { config, secrets, metrics, now } = ctx.services
      if (config.turnUrls.length === 0 || !config.turnSecret)
        throw appError('PRECONDITION_FAILED', 'video_unavailable', 'this server has no video relays (hello said video: false)')
      const s = ctx.session
      const inVideo = s.chat ? s.chat.video : s.state === 'queued' && s.video
      if (!inVideo) throw appError('PRECONDITION_FAILED', 'not_in_chat', 'ICE servers are only for a session in a video chat or searching for one')
      metrics.inc('turn_credentials_total')
      return iceConfig({
        turnUrls: config.turnUrls,
        secret: config.turnSecret,
        userRef: secrets.sign('turn-user', s.id).slice(0, USER_REF_CHARS),
        ttlSeconds: config.turnCredentialTtlSeconds,
        nowMs: now(),
      })
    }),
})
