// Crash safety: under a steady write load (concurrent writers posting replies and liking them
// through the API), the server is killed with SIGKILL at random moments, SL_CRASH_KILLS times
// (default 20). After each kill, on the data as the crash left it:
//   - every post and like that got its 201/200 is in the database;
//   - nothing is half-written: every post of the test has its ledger entry and its search row,
//     every like its ledger entry, and the ledger's sequence numbers have no gap;
//   - `shangliang ledger verify` passes;
// then the server starts again on the same data and the load resumes.
// SQLite by default; PostgreSQL with SL_TEST_DATABASE_URL (tests/crash/run-postgres.sh).
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { DEMO_PASSWORD, REPO, freshDatabase, psql, sessionCookie, startServer } from '../integration/harness.mjs'

const bin = resolve(REPO, process.env.SHANGLIANG_BIN ?? 'build/shangliang')
const KILLS = Number(process.env.SL_CRASH_KILLS ?? 20)
const WRITERS = 4
const tmp = mkdtempSync(join(tmpdir(), 'shangliang-crash-'))
const dataDir = join(tmp, 'data')
const db = freshDatabase(tmp)
after(() => {
  db.drop()
  if (!process.env.SL_TEST_KEEP_TMP) rmSync(tmp, { recursive: true, force: true })
})

// One SQL query on the stopped server's database; rows of '|'-separated columns.
function sql(query) {
  if (db.url.startsWith('sqlite:')) {
    const r = spawnSync('sqlite3', ['-batch', db.url.slice('sqlite:'.length), query], { encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`sqlite3 ${query}: ${r.stderr}`)
    return r.stdout.trim().split('\n').filter(Boolean)
  }
  return psql(db.url, query).trim().split('\n').filter(Boolean)
}
const ids = (query) => new Set(sql(query).map(Number))

// Random pause, seeded from the clock; printed so a failing run can be told apart.
const pause = (min, max) => new Promise((r) => setTimeout(r, min + Math.random() * (max - min)))

test(`${KILLS} kill -9 under write load lose no acknowledged write and leave nothing half-written`, { timeout: 280_000 }, async () => {
  const ackedPosts = new Set()
  const ackedLikes = new Set() // post ids the member liked, acknowledged
  let session = null
  let memberId = null
  let demoId = null
  let marker = `崩溃测试${process.pid}`
  let totalAcked = 0
  for (let round = 0; round < KILLS; round++) {
    const server = await startServer([`--database.url=${db.url}`, `--data_dir=${dataDir}`])
    const { api } = server
    if (!session) {
      session = sessionCookie(await api.post('/api/v1/auth/login', { login: 'member', password: DEMO_PASSWORD }))
      memberId = (await api.get('/api/v1/me', { as: session })).json.id
      const list = await api.get('/api/v1/deliberations', { as: session })
      demoId = list.json.items.find((d) => d.theme.startsWith('推进基本养老服务体系建设')).id
    }
    // The writers: each posts a reply to its previous post (a thread), and likes every other one.
    let dead = false
    const writer = async (w) => {
      let parent = null
      for (let i = 0; !dead; i++) {
        try {
          const body = { body: `${marker} 第${round}轮 ${w}-${i}` }
          if (parent) body.parent_id = parent
          const r = await api.post(`/api/v1/deliberations/${demoId}/posts`, body, { as: session })
          if (r.status === 201) {
            ackedPosts.add(r.json.id)
            totalAcked++
            parent = i % 5 === 4 ? null : r.json.id
            if (i % 2 === 0) {
              const l = await api.post(`/api/v1/posts/${r.json.id}/like`, undefined, { as: session })
              if (l.status === 200 || l.status === 201) ackedLikes.add(r.json.id)
            }
          } else if (r.status !== 503) {
            assert.fail(`unexpected answer while the server is up: ${r}`)
          }
        } catch (e) {
          if (e.code === 'ERR_ASSERTION') throw e
          return // the connection died with the server: the last write's fate is unknown, and need not be known
        }
      }
    }
    const writers = Array.from({ length: WRITERS }, (_, w) => writer(w))
    await pause(300, 1500)
    process.kill(server.pid, 'SIGKILL')
    dead = true
    await Promise.all(writers)
    const stopped = await server.stop()
    assert.equal(stopped.signal, 'SIGKILL')

    // The data as the crash left it.
    const posts = ids(`SELECT id FROM posts WHERE body LIKE '${marker}%'`)
    for (const id of ackedPosts) assert.ok(posts.has(id), `round ${round}: post ${id} got 201 but is gone`)
    const liked = ids(`SELECT post_id FROM post_likes WHERE person_id = ${memberId}`)
    for (const id of ackedLikes) assert.ok(liked.has(id), `round ${round}: like of post ${id} acknowledged but gone`)
    const noEntry = sql(
      `SELECT p.id FROM posts p WHERE p.body LIKE '${marker}%' AND NOT EXISTS ` +
        `(SELECT 1 FROM ledger_entries e WHERE e.object_type = 'post' AND e.object_id = CAST(p.id AS TEXT))`,
    )
    assert.deepEqual(noEntry, [], `round ${round}: posts without a ledger entry`)
    const noSearch = sql(
      `SELECT p.id FROM posts p WHERE p.body LIKE '${marker}%' AND NOT EXISTS ` +
        `(SELECT 1 FROM search_docs s WHERE s.kind = 'post' AND s.ref_id = p.id)`,
    )
    assert.deepEqual(noSearch, [], `round ${round}: posts without a search row`)
    const likeNoEntry = sql(
      `SELECT l.id FROM post_likes l WHERE NOT EXISTS ` +
        `(SELECT 1 FROM ledger_entries e WHERE e.object_type = 'like' AND e.object_id = CAST(l.id AS TEXT))`,
    )
    assert.deepEqual(likeNoEntry, [], `round ${round}: likes without a ledger entry`)
    const [count, lo, hi] = sql('SELECT COUNT(*), MIN(seq), MAX(seq) FROM ledger_entries')[0].split('|').map(Number)
    assert.equal(hi - lo + 1, count, `round ${round}: the ledger has gaps (${count} entries, ${lo}..${hi})`)
    const v = spawnSync(bin, ['ledger', 'verify', '--data', dataDir, `--database.url=${db.url}`], { cwd: REPO, encoding: 'utf8' })
    assert.equal(v.status, 0, `round ${round}: ledger verify failed\n${v.stdout}${v.stderr}`)
  }
  assert.ok(totalAcked >= KILLS, `too few writes under load: ${totalAcked}`)
  console.log(`# ${KILLS} kills, ${totalAcked} posts and ${ackedLikes.size} likes acknowledged, all present`)
})
