// Small, failure-proof localStorage helpers (private modes and full disks throw).
export function load<T>(key: string, fallback: T): T {
  try {
    const raw = localStorage.getItem(`leetchat.${key}`)
    return raw === null ? fallback : (JSON.parse(raw) as T)
  } catch {
    return fallback
  }
}

export function save(key: string, value: unknown) {
  try {
    localStorage.setItem(`leetchat.${key}`, JSON.stringify(value))
  } catch {
    /* not persisted: the app still works for this visit */
  }
}
