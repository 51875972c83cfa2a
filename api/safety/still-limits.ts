// The limits of a report's video still, shared by the server (api/safety/report-stills.ts) and the
// PWA (pwa/src/lib/video-still.ts). A module of its own, with no imports, so the PWA's chunk gets
// these numbers and nothing else.
/**
 * A still of the stranger's video that a reporter chose to send with a report (reports.create
 * `still`, base64 JPEG): at most this many bytes once decoded, at most REPORT_STILL_MAX_SIDE
 * pixels on either side. The PWA sends at most REPORT_STILL_WIDTH wide at quality ~0.8 (30–90 KB).
 */
export const REPORT_STILL_MAX_BYTES = 150 * 1024
export const REPORT_STILL_MAX_SIDE = 1280
export const REPORT_STILL_WIDTH = 640
/** Why a still was not kept (the report itself is stored all the same). */
export const REPORT_STILL_CODES = ['still_not_video', 'still_bad_base64', 'still_too_large', 'still_not_jpeg', 'still_too_big', 'still_not_stored'] as const
export type ReportStillCode = (typeof REPORT_STILL_CODES)[number]
