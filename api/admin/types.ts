// What the console's HTTP API answers: shared by the server (api/admin/*) and the console page
// (pwa/admin), which imports these types only.

export type Role = 'moderator' | 'admin'
export type ActionKind = 'dismiss' | 'ban' | 'quarantine' | 'unban'
export type ApiError = { error: { code: string; message: string; handledBy?: string; outcome?: string; handledAt?: number } }

export interface Me {
  name: string
  role: Role
  totp: boolean
  csrf: string
  idleMinutes: number
}

export interface QueueRow {
  ipHash: string
  /** The oldest open report of this address: the one the row opens. */
  reportId: number
  reports: number
  reporters: number
  reasons: string[]
  firstAt: number
  lastAt: number
}

export interface TranscriptLineView {
  from: 'reporter' | 'reported'
  body: string
  at: number
}

export interface ImageView {
  id: string
  url: string
  flagged: boolean
  expiresAt: number
}

export interface ReportView {
  id: number
  reason: string
  note: string | null
  createdAt: number
  chatId: string
  ipHash: string
  reporterIpHash: string
  transcript: TranscriptLineView[] | null
  flaggedImages: number
  /** A still of the reported side's video sent with the report, served by GET /admin/api/reports/:id/still. */
  still: { width: number; height: number } | null
  handled: { outcome: string; by: string; at: number } | null
}

export interface BanView {
  id: number
  ipHash: string
  reason: string
  source: string
  createdAt: number
  expiresAt: number
  active: boolean
}

export interface ReportDetail {
  report: ReportView
  /** Other open reports of the same address (they are handled with this one). */
  openWithIt: ReportView[]
  images: ImageView[]
  bannedUntil: number | null
  quarantined: boolean
  history: { reports: ReportView[]; bans: BanView[] }
}

export interface AuditView {
  id: number
  at: number
  actor: string
  action: string
  target: string
  detail: string | null
}

export interface AccountView {
  id: number
  name: string
  role: Role
  totp: boolean
  createdAt: number
}

export interface LiveNode {
  id: string
  online: number
  chats: number
  waiting: number
  draining: boolean
}

export interface LiveSample {
  /** Start of the minute (ms). */
  t: number
  online: number
  chats: number
  waiting: number
  chatsStarted: number
  reports: number
  powIssued: number
  powSolved: number
  flaggedImages: number
  refusedSessions: number
}

export interface LiveView {
  now: LiveSample
  nodes: LiveNode[]
  hour: LiveSample[]
  day: LiveSample[]
}

/** Every kind of audit row (the console's filter offers these; the API refuses others). */
export const AUDIT_ACTIONS = [
  'sign_in',
  'sign_in_failed',
  'sign_out',
  'dismiss',
  'ban',
  'quarantine',
  'unban',
  'account_add',
  'account_remove',
  'password_change',
  'totp_enrol',
  'totp_disable',
  'address_lookup',
] as const
export type AuditAction = (typeof AUDIT_ACTIONS)[number]
