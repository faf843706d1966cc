// Checking the public ledger (全程留痕) in the browser, with WebCrypto only.
//
// The server keeps every change to a record as an entry; entries are the leaves of an
// RFC 9162 Merkle tree and the tree's head is published as a C2SP signed note (the
// checkpoint). Nothing here trusts the server's own word: the leaf hash is recomputed from
// the entry text, the inclusion proof is folded up to a root here (RFC 9162 §2.1.3.2), and
// that root must be the one in a checkpoint whose Ed25519 signature verifies with the
// published platform key.
//
//   leaf hash = SHA-256(0x00 ‖ utf8(entry))       node hash = SHA-256(0x01 ‖ left ‖ right)
//   vkey      = <name>+<hex key id>+<base64(0x01 ‖ 32-byte public key)>
//   key id    = first 4 bytes of SHA-256(<name> ‖ "\n" ‖ 0x01 ‖ public key)
//
// A record the API returns carries its ledger data (`"ledger": {type, id, salt, content}`); the
// record shown is then also checked against its latest entry: content hash = hex SHA-256(salt ‖
// "\n" ‖ content), which must be the entry's `content`.
import { buildUrl } from '@/api/http'

// ---------------------------------------------------------------- bytes and hashes

const utf8 = new TextEncoder()

export function fromBase64(s: string): Uint8Array {
  const bin = atob(s)
  const out = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
  return out
}

export function toBase64(b: Uint8Array): string {
  let s = ''
  for (const x of b) s += String.fromCharCode(x)
  return btoa(s)
}

export function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
}

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let d = 0
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i]
  return d === 0
}

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle
  if (!s) throw new LedgerError('unsupported', 'WebCrypto is not available (it needs HTTPS)')
  return s
}

export async function sha256(...parts: Uint8Array[]): Promise<Uint8Array> {
  return new Uint8Array(await subtle().digest('SHA-256', concat(...parts)))
}

/** RFC 9162 leaf hash of one entry (its exact UTF-8 text). */
export function leafHash(entry: string): Promise<Uint8Array> {
  return sha256(new Uint8Array([0]), utf8.encode(entry))
}

function nodeHash(left: Uint8Array, right: Uint8Array): Promise<Uint8Array> {
  return sha256(new Uint8Array([1]), left, right)
}

export class LedgerError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'LedgerError'
  }
}

// ---------------------------------------------------------------- the platform key

export interface LedgerKeyInfo {
  origin: string
  algorithm: string
  vkey: string
  public_key: string
}

export interface VerifierKey {
  /** the key's name, which is also the log origin */
  name: string
  /** 4-byte key id */
  keyId: Uint8Array
  publicKey: Uint8Array
  vkey: string
}

/**
 * Parse a C2SP vkey ("name+hexid+base64(0x01 ‖ key)"), check that its key id is the hash of
 * name and key, and (when given) that it is the same key as `public_key`.
 */
export async function parseVerifierKey(info: LedgerKeyInfo | string, keyType = 1): Promise<VerifierKey> {
  const vkey = typeof info === 'string' ? info : info.vkey
  // the name has no '+', the key id is 8 hex digits; the key data is standard base64, which may
  // itself hold '+', so split on the first two only
  const m = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/]+={0,2})$/.exec(vkey)
  if (!m) throw new LedgerError('bad_key', 'malformed vkey')
  const [, name, hexId, b64] = m
  let raw: Uint8Array
  try {
    raw = fromBase64(b64)
  } catch {
    throw new LedgerError('bad_key', 'vkey is not base64')
  }
  if (raw.length !== 33 || raw[0] !== keyType) throw new LedgerError('bad_key', 'vkey is not an Ed25519 key of this type')
  const publicKey = raw.subarray(1)
  const keyId = Uint8Array.from(hexId.match(/../g)!.map((h) => parseInt(h, 16)))
  const expected = (await sha256(utf8.encode(name + '\n'), new Uint8Array([keyType]), publicKey)).subarray(0, 4)
  if (!equalBytes(keyId, expected)) throw new LedgerError('bad_key', 'vkey id does not match its key')
  if (typeof info !== 'string') {
    if (info.algorithm && info.algorithm !== 'Ed25519') throw new LedgerError('bad_key', `unknown algorithm ${info.algorithm}`)
    if (info.origin && info.origin !== name) throw new LedgerError('bad_key', 'vkey name is not the origin')
    if (info.public_key && !equalBytes(fromBase64(info.public_key), publicKey)) {
      throw new LedgerError('bad_key', 'public_key and vkey differ')
    }
  }
  return { name, keyId, publicKey, vkey }
}

async function ed25519Verify(publicKey: Uint8Array, signature: Uint8Array, message: Uint8Array): Promise<boolean> {
  let key: CryptoKey
  try {
    key = await subtle().importKey('raw', concat(publicKey), { name: 'Ed25519' }, false, ['verify'])
  } catch (e) {
    throw new LedgerError('unsupported', `Ed25519 is not supported here (${(e as Error)?.message ?? e})`)
  }
  return subtle().verify({ name: 'Ed25519' }, key, concat(signature), concat(message))
}

// ---------------------------------------------------------------- checkpoints (signed notes)

export interface Checkpoint {
  origin: string
  size: number
  root: Uint8Array
  /** the note as received */
  note: string
}

/**
 * Open a C2SP signed note carrying a tlog checkpoint: it must hold a valid Ed25519 signature
 * by `key` (matching name and key id) over its text, and its body must be
 * "<origin>\n<size>\n<base64 root>\n" (extension lines after the root are allowed).
 * Throws a LedgerError when anything is off.
 */
export async function openCheckpoint(note: string, key: VerifierKey | LedgerKeyInfo): Promise<Checkpoint> {
  const k = 'keyId' in key ? key : await parseVerifierKey(key)
  if (!note.endsWith('\n')) throw new LedgerError('bad_note', 'the note does not end with a newline')
  const split = note.indexOf('\n\n')
  if (split < 0) throw new LedgerError('bad_note', 'no blank line before the signatures')
  const text = note.slice(0, split + 1)
  const sigLines = note.slice(split + 2, -1).split('\n')
  let signed = false
  for (const line of sigLines) {
    const m = /^\u2014 (\S+) (\S+)$/.exec(line)
    if (!m) throw new LedgerError('bad_note', 'malformed signature line')
    if (m[1] !== k.name) continue
    let raw: Uint8Array
    try {
      raw = fromBase64(m[2])
    } catch {
      continue
    }
    if (raw.length !== 68 || !equalBytes(raw.subarray(0, 4), k.keyId)) continue
    if (await ed25519Verify(k.publicKey, raw.subarray(4), utf8.encode(text))) {
      signed = true
      break
    }
  }
  if (!signed) throw new LedgerError('bad_signature', `no valid signature by ${k.name}`)

  const lines = text.split('\n')
  const [origin, sizeText, rootText] = lines
  if (origin !== k.name) throw new LedgerError('bad_note', 'the checkpoint is for another log')
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText ?? '')) throw new LedgerError('bad_note', 'bad tree size')
  const size = Number(sizeText)
  if (!Number.isSafeInteger(size)) throw new LedgerError('bad_note', 'tree size too large')
  let root: Uint8Array
  try {
    root = fromBase64(rootText ?? '')
  } catch {
    throw new LedgerError('bad_note', 'root is not base64')
  }
  if (root.length !== 32) throw new LedgerError('bad_note', 'root is not 32 bytes')
  return { origin, size, root, note }
}

// ---------------------------------------------------------------- witness cosignatures

/**
 * The witnesses' cosignatures on a checkpoint note (C2SP tlog-cosignature/v1): signature lines
 * "— <name> <base64(key id ‖ 8-byte big-endian time ‖ Ed25519 signature)>", the signature
 * being over "cosignature/v1\ntime <time>\n" followed by the checkpoint text. Returns, for each
 * witness key (by vkey) whose line verifies, the cosignature's time (POSIX seconds). Lines of
 * other keys are ignored; a line of a listed key that does not verify is left out.
 */
export async function verifyCosignatures(note: string, witnesses: VerifierKey[]): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  const split = note.indexOf('\n\n')
  if (split < 0 || !note.endsWith('\n')) return out
  const text = note.slice(0, split + 1)
  for (const line of note.slice(split + 2, -1).split('\n')) {
    const m = /^\u2014 (\S+) (\S+)$/.exec(line)
    if (!m) continue
    let raw: Uint8Array
    try {
      raw = fromBase64(m[2])
    } catch {
      continue
    }
    if (raw.length !== 4 + 8 + 64) continue
    const w = witnesses.find((k) => k.name === m[1] && equalBytes(raw.subarray(0, 4), k.keyId))
    if (!w || out.has(w.vkey)) continue
    const time = new DataView(raw.buffer, raw.byteOffset + 4, 8).getBigUint64(0)
    const message = utf8.encode(`cosignature/v1\ntime ${time}\n${text}`)
    if (await ed25519Verify(w.publicKey, raw.subarray(12), message)) out.set(w.vkey, Number(time))
  }
  return out
}

// ---------------------------------------------------------------- inclusion proofs

/**
 * RFC 9162 §2.1.3.2: does `proof` show the leaf `leafHash` at `index` in the tree of `size`
 * leaves whose root is `root`?
 */
export async function verifyInclusion(
  index: number,
  size: number,
  leafHash: Uint8Array,
  proof: Uint8Array[],
  root: Uint8Array,
): Promise<boolean> {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false
  let fn = BigInt(index)
  let sn = BigInt(size - 1)
  let r = leafHash
  for (const p of proof) {
    if (p.length !== 32) return false
    if (sn === 0n) return false
    if (fn & 1n || fn === sn) {
      r = await nodeHash(p, r)
      while (!(fn & 1n) && fn !== 0n) {
        fn >>= 1n
        sn >>= 1n
      }
    } else {
      r = await nodeHash(r, p)
    }
    fn >>= 1n
    sn >>= 1n
  }
  return sn === 0n && equalBytes(r, root)
}

// ---------------------------------------------------------------- talking to the server

export interface LedgerItem {
  seq: number
  entry: string
  leaf_hash: string
}

export interface LedgerEntry {
  seq: number
  at: string
  actor: string
  action: string
  object: string
  content: string
}

export interface InclusionAnswer {
  index: number
  tree_size: number
  entry: string
  leaf_hash: string
  proof: string[]
  checkpoint: string
}

export type RecordType = 'org' | 'sector' | 'membership' | 'person'

/** What a record carries of its ledger state: exactly the canonical content and salt the ledger hashed. */
export interface RecordLedgerData {
  type: string
  id: number | string
  salt: string
  content: string
}

/** A record whose content was removed: when, under which entry, why. */
export interface ErasureInfo {
  at: string
  seq: number
  reason: string
}

/** The salted content hash as ledger entries hold it (hex); "" when there is neither salt nor content. */
export async function contentHash(salt: string, content: string): Promise<string> {
  if (!salt && !content) return ''
  return toHex(await sha256(utf8.encode(`${salt}\n${content}`)))
}

async function get(path: string, query?: Record<string, string | number>): Promise<Response> {
  let res: Response
  try {
    res = await fetch(buildUrl(path, query), { credentials: 'same-origin', cache: 'no-store' })
  } catch {
    throw new LedgerError('network', 'network error')
  }
  if (!res.ok) {
    let detail = `HTTP ${res.status}`
    try {
      const body = await res.json()
      if (body?.detail) detail = String(body.detail)
    } catch {
      /* not JSON */
    }
    throw new LedgerError(res.status === 404 ? 'not_found' : 'http', detail)
  }
  return res
}

async function getJson<T>(path: string, query?: Record<string, string | number>): Promise<T> {
  const res = await get(path, query)
  try {
    return (await res.json()) as T
  } catch {
    throw new LedgerError('http', 'the answer is not JSON')
  }
}

/** A witness the platform accepts, with the checkpoint it cosigned last (null before its first). */
export interface WitnessInfo {
  name: string
  vkey: string
  size: number | null
  root: string | null
  cosigned_at: string | null
  received_at: string | null
}

export const ledgerApi = {
  key: () => getJson<LedgerKeyInfo>('/ledger/key'),
  checkpoint: async () => (await get('/ledger/checkpoint')).text(),
  /** the newest checkpoint that witnesses cosigned (LedgerError not_found when there is none) */
  cosignedCheckpoint: async () => (await get('/ledger/checkpoint', { cosigned: 1 })).text(),
  witnesses: () => getJson<{ items: WitnessInfo[] }>('/ledger/witnesses'),
  object: (type: string, id: string | number) =>
    getJson<{ object: string; items: LedgerItem[]; erased?: ErasureInfo }>(
      `/ledger/objects/${encodeURIComponent(type)}/${encodeURIComponent(String(id))}`,
    ),
  inclusion: (index: number, treeSize: number) =>
    getJson<InclusionAnswer>('/ledger/proof/inclusion', { index, tree_size: treeSize }),
  entries: (after: number, limit: number) =>
    getJson<{ items: LedgerItem[]; next: number | null }>('/ledger/entries', { after, limit }),
}

let keyPromise: Promise<{ info: LedgerKeyInfo; key: VerifierKey }> | null = null

/** The platform key, fetched once per page load and checked (vkey id, same as public_key). */
export function platformKey(): Promise<{ info: LedgerKeyInfo; key: VerifierKey }> {
  if (!keyPromise) {
    keyPromise = (async () => {
      const info = await ledgerApi.key()
      return { info, key: await parseVerifierKey(info) }
    })()
    keyPromise.catch(() => (keyPromise = null))
  }
  return keyPromise
}

/** Fetch the latest checkpoint and check its signature. */
export async function latestCheckpoint(): Promise<Checkpoint> {
  const { key } = await platformKey()
  return openCheckpoint(await ledgerApi.checkpoint(), key)
}

export function parseEntry(text: string): LedgerEntry | null {
  try {
    const e = JSON.parse(text)
    if (e && typeof e === 'object' && typeof e.seq === 'number' && typeof e.object === 'string') return e as LedgerEntry
  } catch {
    /* fall through */
  }
  return null
}

// ---------------------------------------------------------------- checking one record

/** One check, for the UI to put in plain words (ledger.steps.<code> with `params`). */
export interface VerifyStep {
  code: 'found' | 'leaf' | 'signature' | 'checkpoint' | 'inclusion' | 'action' | 'content' | 'erased'
  ok: boolean
  params: Record<string, string | number>
  /** the same in English, for logs and tests */
  detail: string
}

export type VerifyStatus =
  /** every check passed */
  | 'ok'
  /** a check failed: the ledger and the record disagree, or the signature is wrong */
  | 'failed'
  /** the entry is newer than the latest signed checkpoint */
  | 'pending'
  /** the ledger has no entry for this record */
  | 'none'
  /** could not check (network, browser without Ed25519 …) */
  | 'error'

export interface VerifyResult {
  status: VerifyStatus
  ok: boolean
  object: string
  steps: VerifyStep[]
  seq?: number
  entry?: LedgerEntry
  treeSize?: number
  root?: string
  /** code of the first failed check, or of the error */
  reason?: string
  message?: string
  /** the record shown was compared with its latest entry (and `content` step says how) */
  contentChecked?: boolean
  /** the record's content was removed (its latest entry is the erasure) */
  erased?: ErasureInfo
}

export interface VerifyOptions {
  /** how long to wait for a checkpoint that covers the entry (default 6 s) */
  pendingWaitMs?: number
  /** pause between checkpoint fetches while waiting (default 800 ms) */
  pollMs?: number
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * Check one ledger item (as listed by /ledger/objects or /ledger/entries) against the latest
 * signed checkpoint: recompute its leaf hash, fetch an inclusion proof for the checkpoint's
 * size, fold it to the root and compare with the signed root.
 */
export async function verifyItem(item: LedgerItem, expectObject?: string, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const steps: VerifyStep[] = []
  const entry = parseEntry(item.entry)
  const object = expectObject ?? entry?.object ?? ''
  const result = (status: VerifyStatus, extra: Partial<VerifyResult> = {}): VerifyResult => ({
    status,
    ok: status === 'ok',
    object,
    steps,
    seq: item.seq,
    entry: entry ?? undefined,
    ...extra,
  })
  const fail = (reason: string) => result('failed', { reason })

  try {
    // 1. the entry is what it claims to be
    const foundOk = !!entry && entry.seq === item.seq && (!expectObject || entry.object === expectObject)
    steps.push({
      code: 'found',
      ok: foundOk,
      params: { seq: item.seq, object },
      detail: foundOk ? `entry #${item.seq} for ${object} found` : `entry #${item.seq} is not the entry of ${object}`,
    })
    if (!foundOk || !entry) return fail('found')
    steps.push({
      code: 'action',
      ok: true,
      params: { action: entry.action, at: entry.at, actor: entry.actor },
      detail: `${entry.action} at ${entry.at}`,
    })

    // 2. its leaf hash, recomputed here
    const leaf = await leafHash(item.entry)
    const leafOk = equalBytes(leaf, fromBase64Safe(item.leaf_hash))
    steps.push({
      code: 'leaf',
      ok: leafOk,
      params: { hash: toHex(leaf).slice(0, 16) },
      detail: leafOk ? 'leaf hash matches the entry' : 'leaf hash does not match the entry',
    })
    if (!leafOk) return fail('leaf')

    // 3. a signed checkpoint that covers it (wait a little for the next one if needed)
    const { key } = await platformKey()
    const waitMs = opts.pendingWaitMs ?? 6000
    const pollMs = opts.pollMs ?? 800
    const until = Date.now() + waitMs
    let cp: Checkpoint
    for (;;) {
      const note = await ledgerApi.checkpoint()
      try {
        cp = await openCheckpoint(note, key)
      } catch (e) {
        if (e instanceof LedgerError && e.code !== 'unsupported' && e.code !== 'network') {
          steps.push({ code: 'signature', ok: false, params: { origin: key.name }, detail: e.message })
          return fail('signature')
        }
        throw e
      }
      if (item.seq < cp.size || Date.now() >= until) break
      await sleep(pollMs)
    }
    steps.push({
      code: 'signature',
      ok: true,
      params: { origin: key.name, keyId: toHex(key.keyId) },
      detail: `checkpoint signature verifies with ${key.vkey}`,
    })
    steps.push({
      code: 'checkpoint',
      ok: true,
      params: { size: cp.size, root: toBase64(cp.root) },
      detail: `checkpoint of ${cp.size} entries, root ${toBase64(cp.root)}`,
    })
    if (item.seq >= cp.size) return result('pending', { treeSize: cp.size, root: toBase64(cp.root) })

    // 4. the inclusion proof, folded here up to the signed root
    const p = await ledgerApi.inclusion(item.seq, cp.size)
    let proof: Uint8Array[]
    try {
      proof = (p.proof ?? []).map(fromBase64)
    } catch {
      proof = []
    }
    const sameEntry = p.entry === item.entry && p.index === item.seq && p.tree_size === cp.size
    const included = sameEntry && (await verifyInclusion(item.seq, cp.size, leaf, proof, cp.root))
    steps.push({
      code: 'inclusion',
      ok: included,
      params: { seq: item.seq, size: cp.size, hashes: proof.length },
      detail: included
        ? `inclusion proof (${proof.length} hashes) verifies against the root of ${cp.size}`
        : `inclusion proof does not verify against the root of ${cp.size}`,
    })
    if (!included) return fail('inclusion')
    return result('ok', { treeSize: cp.size, root: toBase64(cp.root) })
  } catch (e) {
    const code = e instanceof LedgerError ? e.code : 'error'
    return result('error', { reason: code, message: (e as Error)?.message ?? String(e) })
  }
}

function fromBase64Safe(s: string): Uint8Array {
  try {
    return fromBase64(s)
  } catch {
    return new Uint8Array()
  }
}

/**
 * Compare the record shown with its latest entry: SHA-256(salt ‖ "\n" ‖ content), recomputed
 * here, must be the entry's content hash. Adds the `content` step; a mismatch fails the check.
 */
export async function checkRecordContent(r: VerifyResult, record: RecordLedgerData): Promise<VerifyResult> {
  if (!r.entry) return r
  const out: VerifyResult = { ...r, steps: [...r.steps] }
  let computed: string
  try {
    computed = await contentHash(String(record.salt ?? ''), String(record.content ?? ''))
  } catch (e) {
    if (out.status === 'ok' || out.status === 'pending') {
      const code = e instanceof LedgerError ? e.code : 'error'
      return { ...out, status: 'error', ok: false, reason: code, message: (e as Error)?.message }
    }
    return out
  }
  const sameRecord = `${record.type}/${record.id}` === r.object
  const ok = sameRecord && computed !== '' && computed === r.entry.content
  out.steps.push({
    code: 'content',
    ok,
    params: { hash: computed.slice(0, 16), seq: r.entry.seq },
    detail: ok
      ? `the record shown hashes to the content hash of entry #${r.entry.seq}`
      : `the record shown does not match the content hash of entry #${r.entry.seq}`,
  })
  out.contentChecked = true
  if (!ok && (out.status === 'ok' || out.status === 'pending')) {
    out.status = 'failed'
    out.ok = false
    out.reason = 'content'
  }
  return out
}

/**
 * Check a record (org/12, sector/3, membership/40, person/7): its latest ledger entry is in
 * the tree of the latest signed checkpoint; and, given the record's ledger data as shown, that
 * the record matches that entry. An erased record's latest entry is its erasure.
 */
export async function verifyRecord(
  type: RecordType | string,
  id: string | number,
  opts: VerifyOptions = {},
  record?: RecordLedgerData | null,
): Promise<VerifyResult> {
  const object = `${type}/${id}`
  let items: LedgerItem[]
  let erased: ErasureInfo | undefined
  try {
    const answer = await ledgerApi.object(type, id)
    items = answer.items ?? []
    erased = answer.erased ?? undefined
  } catch (e) {
    const code = e instanceof LedgerError ? e.code : 'error'
    if (code === 'not_found') return { status: 'none', ok: false, object, steps: [], reason: 'none' }
    return { status: 'error', ok: false, object, steps: [], reason: code, message: (e as Error)?.message }
  }
  if (!items.length) return { status: 'none', ok: false, object, steps: [], reason: 'none' }
  const latest = items.reduce((a, b) => (b.seq > a.seq ? b : a))
  let r = await verifyItem(latest, object, opts)
  if (erased && erased.seq === latest.seq) {
    r = { ...r, erased, steps: [...r.steps] }
    r.steps.push({
      code: 'erased',
      ok: true,
      params: { seq: erased.seq, at: erased.at, reason: erased.reason },
      detail: `the content was removed at ${erased.at} (entry #${erased.seq}, ${erased.reason})`,
    })
  } else if (record) {
    r = await checkRecordContent(r, record)
  }
  return r
}
