// File names are display text chosen by a stranger: they never become paths (files are stored
// under random keys), but they are shown in the partner's chat and sent back in
// Content-Disposition, so they are cleaned of path parts, control and bidi characters.

export const MAX_NAME_LENGTH = 120

export function sanitiseName(raw: string): string {
  let name = raw.normalize('NFC')
  // Keep only the last path part, whichever separator the client's OS uses.
  name = name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1)
  // Control characters and format characters (bidi overrides can disguise "gpj.exe" as "exe.jpg").
  name = name
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, '')
    .replace(/\s+/g, ' ')
    .trim()
  name = name.replace(/^\.+/, '').trim()
  if ([...name].length > MAX_NAME_LENGTH) name = truncateKeepingExtension(name)
  return name
}

function truncateKeepingExtension(name: string): string {
  const chars = [...name]
  const dot = name.lastIndexOf('.')
  const ext = dot > 0 ? [...name.slice(dot)] : []
  if (ext.length > 1 && ext.length <= 10) {
    return (
      chars
        .slice(0, MAX_NAME_LENGTH - ext.length)
        .join('')
        .trimEnd() + ext.join('')
    ).trim()
  }
  return chars.slice(0, MAX_NAME_LENGTH).join('').trim()
}

/** `inline` or `attachment` with an ASCII fallback name and the exact UTF-8 name (RFC 6266/8187). */
export function contentDisposition(type: 'inline' | 'attachment', name: string): string {
  const ascii =
    name
      .replace(/[^\w .()-]/g, '_')
      .replace(/\s+/g, ' ')
      .trim() || 'download'
  const exact = encodeURIComponent(name).replace(/['()*]/g, c => '%' + c.charCodeAt(0).toString(16).toUpperCase())
  return `${type}; filename="${ascii}"; filename*=UTF-8''${exact}`
}
