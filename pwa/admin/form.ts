// Reading a form's fields: FormData.get gives a string, a File (file inputs) or null; the console's
// forms have no file inputs, so anything but a string reads as empty.
export function field(f: FormData, name: string): string {
  const v = f.get(name)
  return typeof v === 'string' ? v : ''
}

/** The fields of the form an event came from. */
export const formOf = (e: Event) => new FormData(e.currentTarget as HTMLFormElement)
