// Lint: `npm run lint` (install once with `npm ci --prefix tools/lint`).
// typescript-eslint 8 needs TypeScript's JS API (typescript >=4.8 <6.1); the app's TypeScript 7 is
// the native compiler without that API, so the linter and its TypeScript 6 live in tools/lint with
// their own lockfile and are imported from there. tsc (7) stays the type checker of record; lint
// only borrows the types to find floating promises and the like.
import { js, tseslint } from './tools/lint/index.js'

/** JSX attributes a person reads or hears (checked for hard-coded words in the PWA). */
const USER_FACING_ATTRIBUTES = 'JSXAttribute[name.name=/^(aria-label|aria-valuetext|aria-description|title|placeholder|alt|label)$/]'
const WORDS = 'Literal[value=/[A-Za-z]/]'
/** Where a hard-coded word can hide in JSX: text, a string or template as a child, or as a user-facing attribute. */
const HARD_CODED_TEXT = [
  'JSXText[value=/[A-Za-z]/]',
  ...['JSXElement > JSXExpressionContainer', `${USER_FACING_ATTRIBUTES} > JSXExpressionContainer`].flatMap(at => [
    `${at} > ${WORDS}`,
    `${at} > TemplateLiteral > TemplateElement[value.raw=/[A-Za-z]/]`,
    `${at} > ConditionalExpression > ${WORDS}`,
    `${at} > ConditionalExpression > TemplateLiteral > TemplateElement[value.raw=/[A-Za-z]/]`,
    `${at} > LogicalExpression > ${WORDS}`,
    `${at} > LogicalExpression > TemplateLiteral > TemplateElement[value.raw=/[A-Za-z]/]`,
  ]),
  `${USER_FACING_ATTRIBUTES} > ${WORDS}`,
]

export default tseslint.config(
  { ignores: ['**/node_modules/**', 'pwa/dist/**', 'dev-dist/**', 'data/**', 'test-results/**', 'playwright-report/**', 'tools/**', 'db/migrations/**'] },
  {
    files: ['api/**/*.{ts,tsx}', 'pwa/src/**/*.{ts,tsx}', 'pwa/admin/**/*.{ts,tsx}', 'db/**/*.ts', 'tests/**/*.{ts,tsx}', 'ops/*.ts', 'scripts/**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'separate-type-imports', disallowTypeAnnotations: false }],
      // tsc already reports these (noUnusedLocals is off on purpose: `_name` args document a shape).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-undef': 'off', // tsc knows the globals (bun, DOM); eslint's list does not
      // Off on purpose, each with its reason:
      // - async functions that implement a promise-returning port without awaiting are the house shape
      '@typescript-eslint/require-await': 'off',
      // - hono/Bun/ioredis methods are passed as values where they do not use `this`
      '@typescript-eslint/unbound-method': 'off',
      // - JSON.parse and ws frames in tests and benches are `any` by nature; zod checks the server side
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      // - lint infers with TypeScript 6; an assertion tsc 7 needs may look unnecessary to it
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      // - the text screening matches invisible and combining characters on purpose
      'no-misleading-character-class': 'off',
      'no-control-regex': 'off',
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  {
    // The PWA's words come from its message catalogs (pwa/src/i18n, docs/i18n.md): no text a
    // person sees or hears may be written into a component.
    files: ['pwa/src/**/*.tsx'],
    rules: {
      'no-restricted-syntax': [
        'error',
        ...HARD_CODED_TEXT.map(selector => ({ selector, message: 'Words a person sees or hears: put them in pwa/src/i18n/messages/en.json and use t() (docs/i18n.md).' })),
      ],
    },
  },
  {
    files: ['tests/**/*.{ts,tsx}'],
    rules: {
      // bun:test types `expect(p).rejects.toThrow()` as void, yet it must be awaited
      '@typescript-eslint/await-thenable': 'off',
    },
  },
)
