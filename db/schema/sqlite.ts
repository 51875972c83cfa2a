// SQLite tables: the same tables, columns and TS property names as mysql.ts (see there).
import { index, integer, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'

export const media = sqliteTable(
  'media',
  {
    id: text('id').primaryKey(),
    kind: text('kind').notNull(),
    mime: text('mime').notNull(),
    size: integer('size').notNull(),
    name: text('name').notNull(),
    storageKey: text('storage_key').notNull(),
    chatId: text('chat_id').notNull(),
    uploader: text('uploader').notNull(),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    // Known from the upload's header (null when it did not say): images' pixel size, audio's length.
    width: integer('width'),
    height: integer('height'),
    durationMs: integer('duration_ms'),
    flagged: integer('flagged', { mode: 'boolean' }).notNull().default(false),
    screenScore: real('screen_score'),
  },
  t => [index('media_expires_idx').on(t.expiresAt)],
)

export const reports = sqliteTable(
  'reports',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    chatId: text('chat_id').notNull(),
    reporterSession: text('reporter_session').notNull(),
    reportedSession: text('reported_session').notNull(),
    reporterIpHash: text('reporter_ip_hash').notNull(),
    // The reporter's network (IPv6 /56, IPv4 address): reporters are counted per network.
    reporterNetHash: text('reporter_net_hash'),
    reportedIpHash: text('reported_ip_hash').notNull(),
    reason: text('reason').notNull(),
    note: text('note'),
    transcript: text('transcript'),
    flaggedImages: integer('flagged_images').notNull().default(0),
    createdAt: integer('created_at').notNull(),
    // A still of the reported side's video (see the MySQL schema).
    stillKey: text('still_key'),
    stillWidth: integer('still_width'),
    stillHeight: integer('still_height'),
  },
  t => [uniqueIndex('reports_reporter_chat_uq').on(t.reporterSession, t.chatId), index('reports_reported_ip_idx').on(t.reportedIpHash, t.createdAt)],
)

export const bans = sqliteTable(
  'bans',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    ipHash: text('ip_hash').notNull(),
    reason: text('reason').notNull(),
    source: text('source').notNull(),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
  },
  t => [index('bans_ip_idx').on(t.ipHash, t.expiresAt)],
)

/** See mysql.ts: the one row /readyz rewrites to prove the database still takes writes. */
export const health = sqliteTable('health', {
  id: integer('id').primaryKey(),
  checkedAt: integer('checked_at').notNull(),
})

// --- moderation console (api/admin): see mysql.ts ---

export const adminAccounts = sqliteTable(
  'admin_accounts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    name: text('name').notNull(),
    role: text('role').notNull(),
    passwordHash: text('password_hash').notNull(),
    totpSecret: text('totp_secret'),
    totpPending: text('totp_pending'),
    createdAt: integer('created_at').notNull(),
  },
  t => [uniqueIndex('admin_accounts_name_uq').on(t.name)],
)

export const adminSessions = sqliteTable(
  'admin_sessions',
  {
    id: text('id').primaryKey(),
    accountId: integer('account_id').notNull(),
    createdAt: integer('created_at').notNull(),
    lastSeenAt: integer('last_seen_at').notNull(),
  },
  t => [index('admin_sessions_account_idx').on(t.accountId)],
)

export const adminAudit = sqliteTable(
  'admin_audit',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: integer('at').notNull(),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    target: text('target').notNull(),
    detail: text('detail'),
    addressHash: text('address_hash').notNull(),
  },
  t => [index('admin_audit_at_idx').on(t.at), index('admin_audit_actor_idx').on(t.actor, t.at)],
)

export const reportActions = sqliteTable('report_actions', {
  reportId: integer('report_id').primaryKey(),
  outcome: text('outcome').notNull(),
  handledBy: text('handled_by').notNull(),
  handledAt: integer('handled_at').notNull(),
})
