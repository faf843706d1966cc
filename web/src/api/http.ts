// The one place that talks HTTP to the Shangliang server.
// Every non-2xx answer becomes an ApiError carrying the problem+json fields
// (RFC 9457: type, title, status, detail, code, errors), so views only ever
// deal with `err.detail`, `err.code` and `err.errors`.

export interface ProblemItem {
  line?: number
  field?: string
  reason?: string
  message?: string
  [key: string]: unknown
}

export interface Problem {
  type?: string
  title?: string
  status?: number
  detail?: string
  code?: string
  errors?: ProblemItem[]
  [key: string]: unknown
}

export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly title: string
  readonly detail: string
  readonly errors: ProblemItem[]
  readonly problem: Problem

  constructor(status: number, problem: Problem) {
    const detail = problem.detail || problem.title || `HTTP ${status}`
    super(detail)
    this.name = 'ApiError'
    this.status = status
    this.code = problem.code ?? (status === 0 ? 'network_error' : `http_${status}`)
    this.title = problem.title ?? ''
    this.detail = detail
    this.errors = Array.isArray(problem.errors) ? problem.errors : []
    this.problem = problem
  }
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError
}

export type Query = Record<string, string | number | boolean | null | undefined>

export interface RequestOptions {
  query?: Query
  /** JSON body; sent with Content-Type application/json */
  json?: unknown
  /** raw body with an explicit content type (e.g. CSV text) */
  body?: BodyInit
  contentType?: string
  /** expect a binary answer */
  blob?: boolean
  signal?: AbortSignal
  headers?: Record<string, string>
}

type UnauthorizedListener = (path: string) => void
let onUnauthorized: UnauthorizedListener | null = null

/** Called when an API call (other than the auth endpoints) answers 401. */
export function setUnauthorizedListener(fn: UnauthorizedListener | null): void {
  onUnauthorized = fn
}

export const API_BASE = '/api/v1'

export function buildUrl(path: string, query?: Query): string {
  let url = path.startsWith('/api/') || path.startsWith('http') ? path : API_BASE + path
  if (query) {
    const params = new URLSearchParams()
    for (const [k, v] of Object.entries(query)) {
      if (v === undefined || v === null || v === '') continue
      params.set(k, String(v))
    }
    const s = params.toString()
    if (s) url += (url.includes('?') ? '&' : '?') + s
  }
  return url
}

async function readProblem(res: Response): Promise<Problem> {
  const type = res.headers.get('Content-Type') ?? ''
  if (type.includes('json')) {
    try {
      const body = (await res.json()) as Problem
      if (body && typeof body === 'object') return body
    } catch {
      /* fall through */
    }
  } else {
    try {
      const text = (await res.text()).trim()
      if (text && text.length < 300 && !text.startsWith('<')) {
        return { status: res.status, title: res.statusText, detail: text }
      }
    } catch {
      /* fall through */
    }
  }
  return { status: res.status, title: res.statusText }
}

export async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json, application/problem+json' }
  let body: BodyInit | undefined
  if (opts.json !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(opts.json)
  } else if (opts.body !== undefined) {
    body = opts.body
    if (opts.contentType) headers['Content-Type'] = opts.contentType
  }
  if (opts.blob) headers.Accept = '*/*'
  if (opts.headers) Object.assign(headers, opts.headers)

  const url = buildUrl(path, opts.query)
  let res: Response
  try {
    res = await fetch(url, { method, headers, body, credentials: 'same-origin', signal: opts.signal })
  } catch (e) {
    if ((e as Error)?.name === 'AbortError') throw e
    throw new ApiError(0, { title: 'network error', detail: '' })
  }

  if (!res.ok) {
    const problem = await readProblem(res)
    const err = new ApiError(res.status, problem)
    if (res.status === 401 && onUnauthorized && !path.startsWith('/auth/') && path !== '/me') {
      onUnauthorized(path)
    }
    throw err
  }
  if (opts.blob) return (await res.blob()) as T
  if (res.status === 204 || res.status === 205) return undefined as T
  const text = await res.text()
  if (!text) return undefined as T
  return JSON.parse(text) as T
}

export interface UploadOptions {
  query?: Query
  /** called with 0..1 as the body goes out */
  onProgress?: (fraction: number) => void
  signal?: AbortSignal
}

/**
 * POSTs a raw body (a file) with upload progress, which fetch cannot report: XMLHttpRequest.
 * Errors become ApiError exactly as for `request`.
 */
export function upload<T>(path: string, body: Blob, opts: UploadOptions = {}): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', buildUrl(path, opts.query))
    xhr.withCredentials = true
    xhr.setRequestHeader('Accept', 'application/json, application/problem+json')
    // The server judges the type from the bytes; this is only a hint.
    xhr.setRequestHeader('Content-Type', body.type || 'application/octet-stream')
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && opts.onProgress) opts.onProgress(e.loaded / e.total)
    }
    const abort = () => xhr.abort()
    opts.signal?.addEventListener('abort', abort, { once: true })
    xhr.onabort = () => reject(new DOMException('aborted', 'AbortError'))
    xhr.onerror = () => reject(new ApiError(0, { title: 'network error', detail: '' }))
    xhr.onload = () => {
      opts.signal?.removeEventListener('abort', abort)
      let parsed: unknown = undefined
      try {
        parsed = xhr.responseText ? JSON.parse(xhr.responseText) : undefined
      } catch {
        /* not JSON */
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve(parsed as T)
        return
      }
      const problem: Problem =
        parsed && typeof parsed === 'object' ? (parsed as Problem) : { status: xhr.status, title: xhr.statusText }
      if (xhr.status === 401 && onUnauthorized) onUnauthorized(path)
      reject(new ApiError(xhr.status, problem))
    }
    xhr.send(body)
  })
}

export const http = {
  get: <T>(path: string, query?: Query, signal?: AbortSignal) => request<T>('GET', path, { query, signal }),
  post: <T>(path: string, json?: unknown) => request<T>('POST', path, { json: json ?? {} }),
  patch: <T>(path: string, json: unknown) => request<T>('PATCH', path, { json }),
  del: <T = void>(path: string) => request<T>('DELETE', path),
}
