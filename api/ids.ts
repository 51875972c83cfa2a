// Random identifiers. Session tokens are bearer credentials: 144 random bits, URL-safe.
import { randomBytes } from 'node:crypto'

export const newSessionToken = (): string => randomBytes(18).toString('base64url')
export const newChatId = (): string => randomBytes(12).toString('base64url')
export const newMediaId = (): string => randomBytes(16).toString('base64url')
export const newOpaqueToken = (): string => randomBytes(24).toString('base64url')
