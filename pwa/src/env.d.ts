/// <reference types="vite/client" />

/** A message catalog compiled at build time (pwa/vite-catalogs.ts). */
declare module '*.json?lingui' {
  const messages: import('@lingui/core').Messages
  export default messages
  /** where the catalog's chunk was loaded from */
  export const url: string
}
declare module '*.json?lingui=first' {
  const messages: import('@lingui/core').Messages
  export default messages
}
declare module '*.json?lingui=rest' {
  const messages: import('@lingui/core').Messages
  export default messages
}
