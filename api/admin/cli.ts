// `bun run mod admin …`: console accounts from the shell, through the same functions the console
// uses (api/admin/accounts.ts), with each change in the audit log as done by "cli".
import type { Db } from '../../db'
import { createAccounts, ROLES, type Role } from './accounts'
import { createAudit } from './audit'

export const ADMIN_USAGE = `  admin add <name> [--role moderator|admin]    add a console account (password on stdin, 12+ characters)
  admin remove <name>                          remove an account and end its sessions
  admin list                                   console accounts
  admin password <name>                        set a new password (stdin) and end its sessions`

export class AdminUsageError extends Error {}

/** Reads a password: the first line of stdin (piped), without its line ending. */
export async function readPassword(stdin: AsyncIterable<Uint8Array> | string): Promise<string> {
  if (typeof stdin === 'string') return stdin.split(/\r?\n/)[0] ?? ''
  let text = ''
  const dec = new TextDecoder()
  for await (const chunk of stdin) {
    text += dec.decode(chunk, { stream: true })
    if (text.includes('\n') || text.length > 4096) break
  }
  return text.split(/\r?\n/)[0] ?? ''
}

export async function runAdminCommand(
  db: Db,
  args: { sub?: string; name?: string; role?: string; json?: boolean },
  password: () => Promise<string>,
  out: (s: string) => void,
): Promise<number> {
  const accounts = createAccounts(db)
  const audit = createAudit(db)
  const record = (action: 'account_add' | 'account_remove' | 'password_change', target: string, detail?: string) =>
    audit.record({ actor: 'cli', action, target, detail, addressHash: '' })
  const need = () => {
    if (!args.name) throw new AdminUsageError(`admin ${args.sub} needs a name`)
    return args.name
  }
  switch (args.sub) {
    case 'add': {
      const name = need()
      const role = (args.role ?? 'moderator') as Role
      if (!ROLES.includes(role)) throw new AdminUsageError('--role is moderator or admin')
      const a = await accounts.add(name, await password(), role)
      if ('code' in a) {
        out(`mod: ${a.message}`)
        return a.code === 'name_taken' ? 3 : 2
      }
      await record('account_add', a.name, a.role)
      out(args.json ? JSON.stringify(a) : `added ${a.role} ${a.name}`)
      return 0
    }
    case 'remove': {
      const name = need()
      if (!(await accounts.remove(name))) {
        out(`mod: there is no account "${name}"`)
        return 3
      }
      await record('account_remove', name)
      out(`removed ${name}; its sessions are ended`)
      return 0
    }
    case 'password': {
      const name = need()
      const r = await accounts.setPassword(name, await password())
      if (r !== true) {
        out(`mod: ${r.message}`)
        return r.code === 'no_such_account' ? 3 : 2
      }
      await record('password_change', name)
      out(`password of ${name} changed; its sessions are ended`)
      return 0
    }
    case 'list': {
      const list = await accounts.list()
      out(
        args.json ? JSON.stringify(list, null, 2) : list.length ? list.map(a => `${a.name.padEnd(20)} ${a.role.padEnd(10)} ${a.totp ? 'two-step' : ''}`).join('\n') : 'no accounts',
      )
      return 0
    }
    default:
      throw new AdminUsageError(`unknown admin command "${args.sub ?? ''}"`)
  }
}
