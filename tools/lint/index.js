// Re-exported from here so that the top-level eslint.config.js resolves these packages (and the
// TypeScript 6 that typescript-eslint loads) from tools/lint/node_modules, never the app's TypeScript 7.
export { default as js } from '@eslint/js'
export { default as tseslint } from 'typescript-eslint'
