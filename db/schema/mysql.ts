// MySQL/MariaDB tables. Must describe the same tables, columns and TS property names as
// sqlite.ts: queries are written once against this shape and run on either dialect.
// Times are integer ms epochs so both dialects store and compare them the same way.
import { bigint, boolean, double, index, int, mysqlTable, text, uniqueIndex, varchar } from 'drizzle-orm/mysql-core'

export const media = mysqlTable(
  'media',
  {
    id: varchar('id', { length: 32 }).primaryKey(),
    kind: varchar('kind', { length: 8 }).notNull(),
    mime: varchar('mime', { length: 100 }).notNull(),
    size: int('size').notNull(),
    name: varchar('name', { length: 255 }).notNull(),
    storageKey: varchar('storage_key', { length: 64 }).notNull(),
    chatId: varchar('chat_id', { length: 64 }).notNull(),
    uploader: varchar('uploader', { length: 64 }).notNull(),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
    expiresAt: bigint('expires_at', { mode: 'number' }).notNull(),
    // Known from the upload's header (null when it did not say): images' pixel size, audio's length.
    width: int('width'),
    height: int('height'),
    durationMs: int('duration_ms'),
    // Image screening (api/media/screen.ts): shown blurred; the model's score, null = no verdict.
    flagged: boolean('flagged').notNull().default(false),
    screenScore: double('screen_score'),
  },
  t => [index('media_expires_idx').on(t.expiresAt)],
)

export const reports = mysqlTable(
  'reports',
  {
    // Never serial(): drizzle-kit emits `serial AUTO_INCREMENT`, which MariaDB rejects.
    id: bigint('id', { mode: 'number', unsigned: true }).autoincrement().primaryKey(),
    chatId: varchar('chat_id', { length: 64 }).notNull(),
    reporterSession: varchar('reporter_session', { length: 64 }).notNull(),
    reportedSession: varchar('reported_session', { length: 64 }).notNull(),
    reporterIpHash: varchar('reporter_ip_hash', { length: 64 }).notNull(),
    // The reporter's network (IPv6 /56, IPv4 address): reporters are counted per network.
    reporterNetHash: varchar('reporter_net_hash', { length: 64 }),
    reportedIpHash: varchar('reported_ip_hash', { length: 64 }).notNull(),
    reason: varchar('reason', { length: 16 }).notNull(),
    note: text('note'),
    transcript: text('transcript'),
    // Images the reported side sent in that chat that the screen flagged.
    flaggedImages: int('flagged_images').notNull().default(0),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
    // A still of the reported side's video the reporter chose to include (a JPEG under
    // DATA_DIR/media, api/safety/report-stills.ts); cleared when the report is handled or expires.
    stillKey: varchar('still_key', { length: 32 }),
    stillWidth: int('still_width'),
    stillHeight: int('still_height'),
  },
  t => [uniqueIndex('reports_reporter_chat_uq').on(t.reporterSession, t.chatId), index('reports_reported_ip_idx').on(t.reportedIpHash, t.createdAt)],
)

export const bans = mysqlTable(
  'bans',
  {
    id: bigint('id', { mode: 'number', unsigned: true }).autoincrement().primaryKey(),
    ipHash: varchar('ip_hash', { length: 64 }).notNull(),
    reason: varchar('reason', { length: 255 }).notNull(),
    source: varchar('source', { length: 16 }).notNull(),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
    expiresAt: bigint('expires_at', { mode: 'number' }).notNull(),
  },
  t => [index('bans_ip_idx').on(t.ipHash, t.expiresAt)],
)

/**
 * One row that /readyz rewrites (at most every few seconds) to prove the database still takes
 * writes: a read-only or full database answers `select 1` but fails every report and upload.
 */
export const health = mysqlTable('health', {
  id: int('id').primaryKey(),
  checkedAt: bigint('checked_at', { mode: 'number' }).notNull(),
})

// --- moderation console (api/admin) ---

/** Console accounts (`bun run mod admin add`): argon2id hashes, never passwords. */
export const adminAccounts = mysqlTable(
  'admin_accounts',
  {
    id: bigint('id', { mode: 'number', unsigned: true }).autoincrement().primaryKey(),
    name: varchar('name', { length: 64 }).notNull(),
    role: varchar('role', { length: 16 }).notNull(),
    passwordHash: varchar('password_hash', { length: 255 }).notNull(),
    // Base32 TOTP secret once enrolment is confirmed; the pending one waits for its first code.
    totpSecret: varchar('totp_secret', { length: 64 }),
    totpPending: varchar('totp_pending', { length: 64 }),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
  },
  t => [uniqueIndex('admin_accounts_name_uq').on(t.name)],
)

/** Console sessions, by the SHA-256 of their cookie token; deleting rows revokes them. */
export const adminSessions = mysqlTable(
  'admin_sessions',
  {
    id: varchar('id', { length: 64 }).primaryKey(),
    accountId: bigint('account_id', { mode: 'number', unsigned: true }).notNull(),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
    lastSeenAt: bigint('last_seen_at', { mode: 'number' }).notNull(),
  },
  t => [index('admin_sessions_account_idx').on(t.accountId)],
)

/** Append-only record of sign-ins, actions and account changes. Addresses only as keyed hashes. */
export const adminAudit = mysqlTable(
  'admin_audit',
  {
    id: bigint('id', { mode: 'number', unsigned: true }).autoincrement().primaryKey(),
    at: bigint('at', { mode: 'number' }).notNull(),
    actor: varchar('actor', { length: 64 }).notNull(),
    action: varchar('action', { length: 32 }).notNull(),
    target: varchar('target', { length: 128 }).notNull(),
    detail: text('detail'),
    addressHash: varchar('address_hash', { length: 64 }).notNull(),
  },
  t => [index('admin_audit_at_idx').on(t.at), index('admin_audit_actor_idx').on(t.actor, t.at)],
)

/** One row per handled report: the primary key makes the first moderator's action the only one. */
export const reportActions = mysqlTable('report_actions', {
  reportId: bigint('report_id', { mode: 'number', unsigned: true }).primaryKey(),
  outcome: varchar('outcome', { length: 16 }).notNull(),
  handledBy: varchar('handled_by', { length: 64 }).notNull(),
  handledAt: bigint('handled_at', { mode: 'number' }).notNull(),
})
