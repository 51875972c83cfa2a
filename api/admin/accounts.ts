// Console accounts: names, roles, argon2id password hashes (Bun.password) and the optional TOTP
// secret. The CLI (`bun run mod admin …`) and the console's account page call these same functions.
import { asc, eq } from 'drizzle-orm'
import { tables, type Db } from '../../db'
import { isUniqueViolation } from '../../db/errors'

export const ROLES = ['moderator', 'admin'] as const
export type Role = (typeof ROLES)[number]
export const MIN_PASSWORD_LENGTH = 12
export const MAX_PASSWORD_LENGTH = 1024
/** Letters, digits and . _ - : names show up in the audit log and must read the same everywhere. */
export const NAME_SHAPE = /^[a-z0-9][a-z0-9._-]{0,63}$/

export interface Account {
  id: number
  name: string
  role: Role
  totp: boolean
  createdAt: number
}

export type AccountError = { code: 'bad_name' | 'weak_password' | 'name_taken' | 'no_such_account' | 'bad_role'; message: string }

const { adminAccounts, adminSessions } = tables
type Row = typeof adminAccounts.$inferSelect

const fromRow = (r: Row): Account => ({ id: Number(r.id), name: r.name, role: r.role as Role, totp: !!r.totpSecret, createdAt: Number(r.createdAt) })

export function checkPassword(password: string): AccountError | null {
  if (password.length < MIN_PASSWORD_LENGTH) return { code: 'weak_password', message: `a password needs at least ${MIN_PASSWORD_LENGTH} characters` }
  if (password.length > MAX_PASSWORD_LENGTH) return { code: 'weak_password', message: `a password has at most ${MAX_PASSWORD_LENGTH} characters` }
  return null
}

// Hashing a password nobody has, so a wrong name costs as long as a wrong password.
let dummyHash: Promise<string> | null = null

export function createAccounts(db: Db, now: () => number = Date.now) {
  const hash = (password: string) => Bun.password.hash(password, { algorithm: 'argon2id' })

  async function byName(name: string): Promise<Row | null> {
    const [row] = await db.select().from(adminAccounts).where(eq(adminAccounts.name, name)).limit(1)
    return row ?? null
  }

  return {
    async add(name: string, password: string, role: Role = 'moderator'): Promise<Account | AccountError> {
      if (!NAME_SHAPE.test(name)) return { code: 'bad_name', message: 'a name is 1–64 lower-case letters, digits, ".", "_" or "-"' }
      if (!ROLES.includes(role)) return { code: 'bad_role', message: 'a role is moderator or admin' }
      const weak = checkPassword(password)
      if (weak) return weak
      try {
        await db.insert(adminAccounts).values({ name, role, passwordHash: await hash(password), createdAt: now() })
      } catch (err) {
        if (isUniqueViolation(err)) return { code: 'name_taken', message: `there is already an account "${name}"` }
        throw err
      }
      return fromRow((await byName(name))!)
    },

    /** Removes the account and every session it has open. */
    async remove(name: string): Promise<boolean> {
      const row = await byName(name)
      if (!row) return false
      await db.delete(adminSessions).where(eq(adminSessions.accountId, row.id))
      await db.delete(adminAccounts).where(eq(adminAccounts.id, row.id))
      return true
    },

    async exists(name: string): Promise<boolean> {
      return NAME_SHAPE.test(name) && (await byName(name)) !== null
    },

    async list(): Promise<Account[]> {
      return (await db.select().from(adminAccounts).orderBy(asc(adminAccounts.name))).map(fromRow)
    },

    async get(id: number): Promise<(Account & { totpSecret: string | null; totpPending: string | null }) | null> {
      const [row] = await db.select().from(adminAccounts).where(eq(adminAccounts.id, id)).limit(1)
      return row ? { ...fromRow(row), totpSecret: row.totpSecret, totpPending: row.totpPending } : null
    },

    /** Sets a new password and ends every session of the account. */
    async setPassword(name: string, password: string): Promise<true | AccountError> {
      const weak = checkPassword(password)
      if (weak) return weak
      const row = await byName(name)
      if (!row) return { code: 'no_such_account', message: `there is no account "${name}"` }
      await db
        .update(adminAccounts)
        .set({ passwordHash: await hash(password) })
        .where(eq(adminAccounts.id, row.id))
      await db.delete(adminSessions).where(eq(adminSessions.accountId, row.id))
      return true
    },

    /** The account when name and password match; null otherwise, after the same work either way. */
    async verify(name: string, password: string): Promise<(Account & { totpSecret: string | null }) | null> {
      const row = NAME_SHAPE.test(name) && password.length <= MAX_PASSWORD_LENGTH ? await byName(name) : null
      if (!row) {
        dummyHash ??= hash('not anybody’s password')
        await Bun.password.verify(password.slice(0, MAX_PASSWORD_LENGTH), await dummyHash).catch(() => false)
        return null
      }
      const ok = await Bun.password.verify(password, row.passwordHash).catch(() => false)
      return ok ? { ...fromRow(row), totpSecret: row.totpSecret } : null
    },

    async setTotp(id: number, fields: { totpSecret?: string | null; totpPending?: string | null }) {
      await db.update(adminAccounts).set(fields).where(eq(adminAccounts.id, id))
    },
  }
}

export type Accounts = ReturnType<typeof createAccounts>
