// deploy/: the nginx site passes `nginx -t` (with a throwaway certificate in place of the real
// one), and the configuration files we ship load in the current binary (unknown keys or bad
// values would stop a node at start).
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { REPO } from '../integration/harness.mjs'

const bin = resolve(REPO, process.env.SHANGLIANG_BIN ?? 'build/shangliang')
const tmp = mkdtempSync(join(tmpdir(), 'shangliang-deploy-'))
after(() => rmSync(tmp, { recursive: true, force: true }))

function nginxBinary() {
  for (const p of ['/usr/sbin/nginx', '/usr/bin/nginx']) if (spawnSync(p, ['-v']).status === 0) return p
  throw new Error('nginx not found (Debian package nginx-light)')
}

test('the nginx site is valid, proxies the live WebSocket with Upgrade and limits upload size', () => {
  const site = readFileSync(join(REPO, 'deploy/nginx/shangliang.conf'), 'utf8')
  // What the configuration must say, beyond being valid.
  assert.match(site, /location = \/api\/v1\/live \{[^}]*proxy_set_header Upgrade \$http_upgrade;[^}]*proxy_set_header Connection \$shangliang_connection;/s)
  assert.match(site, /client_max_body_size 21m;/) // > attachments.max_document_bytes (20 MiB)
  assert.match(site, /upstream shangliang \{[^}]*server [^;]+;[^}]*server [^;]+;/s)
  const key = join(tmp, 'key.pem')
  const cert = join(tmp, 'cert.pem')
  const ssl = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=zx.example.gov.cn',
    '-days', '1', '-keyout', key, '-out', cert], { encoding: 'utf8' })
  assert.equal(ssl.status, 0, ssl.stderr)
  const testSite = site
    .replace('/etc/ssl/shangliang/fullchain.pem', cert)
    .replace('/etc/ssl/shangliang/privkey.pem', key)
    .replaceAll('/var/log/nginx/', `${tmp}/`)
  writeFileSync(join(tmp, 'site.conf'), testSite)
  writeFileSync(join(tmp, 'nginx.conf'), `pid ${tmp}/nginx.pid;\nerror_log ${tmp}/error.log;\nevents {}\n` +
    `http {\n  include /etc/nginx/mime.types;\n  access_log ${tmp}/access.log;\n  include ${tmp}/site.conf;\n}\n`)
  const r = spawnSync(nginxBinary(), ['-t', '-q', '-p', tmp, '-c', join(tmp, 'nginx.conf')], { encoding: 'utf8' })
  assert.equal(r.status, 0, r.stderr)
})

for (const file of ['deploy/shangliang.production.toml', 'deploy/debian/shangliang.toml']) {
  test(`${file} loads in the current binary`, () => {
    const data = mkdtempSync(join(tmp, 'data-'))
    const r = spawnSync(bin, ['--config', join(REPO, file), `--database.url=sqlite:${data}/t.db`, `--data_dir=${data}`,
      `--attachments.dir=${data}/uploads`, 'routes'], { cwd: REPO, encoding: 'utf8' })
    assert.equal(r.status, 0, r.stdout + r.stderr)
    assert.match(r.stdout, /^GET \/api\/v1\/live$/m)
  })
}

test('the systemd unit passes systemd-analyze verify and is hardened', () => {
  const unit = readFileSync(join(REPO, 'deploy/systemd/shangliang.service'), 'utf8')
  for (const d of ['NoNewPrivileges=yes', 'ProtectSystem=strict', 'ReadWritePaths=/var/lib/shangliang', 'PrivateTmp=yes', 'CapabilityBoundingSet='])
    assert.ok(unit.includes(`\n${d}\n`), `missing ${d}`)
  // verify checks that ExecStart's program exists: point it at the built binary.
  const copy = join(tmp, 'shangliang.service')
  writeFileSync(copy, unit.replaceAll('/usr/bin/shangliang', bin))
  const r = spawnSync('systemd-analyze', ['verify', copy], { encoding: 'utf8' })
  assert.equal(r.status, 0, r.stdout + r.stderr)
  assert.doesNotMatch(r.stderr, /Unknown (key|section)|Failed to parse/, r.stderr)
})
