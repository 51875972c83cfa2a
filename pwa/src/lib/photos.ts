// "Ask before showing photos" (the ⋮ menu), kept on the device. On for a new device: in a chat
// with strangers the first photo can be anything, and the screen (screened.tsx) only catches
// what its classifier flags. docs/safety.md says why.
import { load, save } from './storage'

export const askPhotos = (): boolean => load('askPhotos', true)

export const setAskPhotos = (on: boolean) => save('askPhotos', on)
