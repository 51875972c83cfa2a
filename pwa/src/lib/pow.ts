// The proof of work a `find` may be asked for (error code proof_required), solved in a Web
// Worker so the page stays responsive; there is nothing to show, the search just starts a moment
// later.
import type { ProofChallenge } from '../../../api/chat/protocol'

export interface Solved {
  nonce: string
  hashes: number
  ms: number
}

export function solveProof(c: ProofChallenge): Promise<Solved> {
  const worker = new Worker(new URL('./pow-worker.ts', import.meta.url), { type: 'module' })
  return new Promise<Solved>((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<Solved>) => {
      worker.terminate()
      resolve(e.data)
    }
    worker.onerror = e => {
      worker.terminate()
      reject(new Error(e.message || 'the proof of work failed'))
    }
    worker.postMessage({ token: c.token, bits: c.bits })
  })
}
