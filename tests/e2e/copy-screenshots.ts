// Copies the screenshots the last browser run took (tests/e2e/.screenshots/, ignored) into the
// README's folder (tests/e2e/screenshots/, tracked). Run on purpose (`npm run screenshots`), so a
// test run never rewrites a tracked file.
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const from = fileURLToPath(new URL('./.screenshots/', import.meta.url))
const to = fileURLToPath(new URL('./screenshots/', import.meta.url))

if (!existsSync(from)) {
  console.error(
    `no screenshots in ${from}: run the browser tests first (npx playwright test -c tests/e2e/playwright.config.ts tests/e2e/layout.spec.ts tests/e2e/screening.spec.ts)`,
  )
  process.exit(1)
}
mkdirSync(to, { recursive: true })
const shots = readdirSync(from).filter(f => f.endsWith('.png'))
for (const f of shots) copyFileSync(from + f, to + f)
console.log(`copied ${shots.length} screenshots to tests/e2e/screenshots/: ${shots.join(', ')}`)
