// The menu's "Sound and vibration" switch (on by default), remembered on the device. Tiny and in
// the first bundle: the menu reads it; what it switches (lib/notify.ts) is a lazy chunk.
import { load, save } from './storage'

export const alertsOn = (): boolean => load('alerts', true)
export const setAlerts = (on: boolean) => save('alerts', on)
