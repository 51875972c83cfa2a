// The connection strip: shown under the top bar while we are offline or reconnecting.
import type { ConnState } from '../lib/socket'
import { t } from '../i18n'

export function ConnectionStrip({ conn, partnerAway }: { conn: ConnState; partnerAway?: boolean }) {
  if (conn === 'offline') {
    return (
      <div class="strip" role="status">
        {t('conn.offlineStrip')}
      </div>
    )
  }
  if (conn === 'reconnecting') {
    return (
      <div class="strip" role="status">
        <span class="spinner" aria-hidden="true" />
        {t('conn.reconnecting')}
      </div>
    )
  }
  if (partnerAway) {
    return (
      <div class="strip info" role="status">
        <span class="spinner" aria-hidden="true" />
        {t('conn.partnerReconnecting')}
      </div>
    )
  }
  return null
}
