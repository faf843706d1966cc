// Small helpers for showing files: human sizes, and what the file picker offers.

/** 1234567 → "1.2 MB" (decimal-free below 10 KB and 10 MB: "812 KB", "12 MB"). */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  const kb = bytes / 1024
  if (kb < 1024) return `${kb < 10 ? kb.toFixed(1) : Math.round(kb)} KB`
  const mb = kb / 1024
  return `${mb < 10 ? mb.toFixed(1) : Math.round(mb)} MB`
}

/**
 * What the picker offers: the types the server accepts (it checks the bytes anyway). Both
 * extensions and MIME types, since mobile browsers honour one or the other.
 */
export const ACCEPT_ALL = [
  'image/*',
  'audio/*',
  '.pdf',
  '.doc',
  '.docx',
  '.xls',
  '.xlsx',
  '.ppt',
  '.pptx',
  '.wps',
  '.et',
  '.dps',
  '.odt',
  '.ods',
  '.odp',
  '.txt',
  '.csv',
  'application/pdf',
].join(',')

/** The MediaRecorder format this browser records best, or '' to let it choose. */
export function recorderMimeType(): string {
  if (typeof MediaRecorder === 'undefined') return ''
  for (const t of ['audio/webm;codecs=opus', 'audio/webm', 'audio/mp4', 'audio/ogg;codecs=opus']) {
    if (MediaRecorder.isTypeSupported(t)) return t
  }
  return ''
}

/** File extension for a recording's type: "audio/webm;codecs=opus" → ".webm". */
export function recordingExtension(mime: string): string {
  if (mime.startsWith('audio/mp4')) return '.m4a'
  if (mime.startsWith('audio/ogg')) return '.ogg'
  return '.webm'
}
