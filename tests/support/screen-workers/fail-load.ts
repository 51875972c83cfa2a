// A screening worker whose model cannot be loaded (a broken install): it says so and exits,
// as api/media/screen-worker.ts does.
postMessage({ type: 'failed', error: 'Cannot find module nsfwjs' })
process.exit(1)
export {}
