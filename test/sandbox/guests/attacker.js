// A hostile Node.js function for the sandbox suite (runs INSIDE an environment). Each event
// names an attack in `attack`; the answer reports what every attempt met ('ok' or the error
// code), so that the test on the host can judge it. Nothing here is trusted by Lamina.
'use strict';
const fs = require('fs');
const path = require('path');
const cp = require('child_process');
const net = require('net');

/** 'ok' (with the value) or the error's code. */
function attempt(fn) {
  try {
    const value = fn();
    return { outcome: 'ok', value: typeof value === 'string' ? value.slice(0, 200) : value };
  } catch (err) {
    return { outcome: err.code || String(err.message || err) };
  }
}

/** Every path under `root` that lstat can see, not following symlinks, skipping `skip`. */
function walk(root, skip, visit) {
  const todo = [root];
  let seen = 0;
  while (todo.length > 0 && seen < 300000) {
    const dir = todo.pop();
    let names;
    try {
      names = fs.readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      const p = path.join(dir, name);
      if (skip.includes(p)) continue;
      seen++;
      let st;
      try {
        st = fs.lstatSync(p);
      } catch {
        continue;
      }
      if (st.isDirectory()) todo.push(p);
      else visit(p, st);
    }
  }
  return seen;
}

function pids() {
  return fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number);
}

/**
 * Looks for other functions' code, other environments' /tmp and Lamina's data: direct reads
 * of host paths, the same through /proc/<pid>/root and cwd, and a search of everything
 * visible for the given markers (file names or contents) and SQLite databases.
 */
function snoop(e) {
  const direct = {};
  for (const p of e.paths) {
    direct[p] = attempt(() => (fs.statSync(p).isDirectory() ? fs.readdirSync(p).join(',') : fs.readFileSync(p, 'utf8')));
  }
  const proc = {};
  for (const pid of pids()) {
    for (const link of ['root', 'cwd']) proc[`/proc/${pid}/${link}`] = attempt(() => fs.readlinkSync(`/proc/${pid}/${link}`));
    proc[`/proc/${pid}/environ`] = attempt(() => fs.readFileSync(`/proc/${pid}/environ`, 'utf8'));
    for (const p of e.paths) proc[`/proc/${pid}/root${p}`] = attempt(() => fs.readdirSync(`/proc/${pid}/root${p}`).join(','));
    proc[`/proc/${pid}/root/tmp/${e.secretName}`] = attempt(() => fs.readFileSync(`/proc/${pid}/root/tmp/${e.secretName}`, 'utf8'));
  }
  const found = [];
  const sqlite = [];
  const checked = walk('/', ['/proc', '/sys', '/usr'], (p, st) => {
    for (const m of e.markers) if (p.includes(m)) found.push({ path: p, marker: m, in: 'name' });
    if (!st.isFile() || st.size > 4 * 1024 * 1024) return;
    let data;
    try {
      data = fs.readFileSync(p);
    } catch {
      return;
    }
    if (data.subarray(0, 16).toString('latin1') === 'SQLite format 3\0') sqlite.push(p);
    for (const m of e.markers) if (data.includes(m)) found.push({ path: p, marker: m, in: 'content' });
  });
  const ownEnv = Object.keys(process.env).filter((k) => k.startsWith('LAMINA_'));
  return { direct, proc, found, sqlite, checked, ownEnv, uid: process.getuid() };
}

/** Lists processes and signals those outside the environment. */
function signals(e) {
  const visible = pids().map((pid) => {
    const status = attempt(() => fs.readFileSync(`/proc/${pid}/status`, 'utf8')).value || '';
    const uid = Number((/^Uid:\s+(\d+)/m.exec(status) || [])[1]);
    const name = (/^Name:\s+(.*)$/m.exec(status) || [])[1];
    return { pid, uid, name };
  });
  const kills = {};
  const send = (label, pid, sig) => {
    kills[label] = attempt(() => process.kill(pid, sig));
  };
  send(`server ${e.serverPid} probe`, e.serverPid, 0);
  send(`server ${e.serverPid} SIGKILL`, e.serverPid, 'SIGKILL');
  for (const pid of e.hostPids) send(`host ${pid} SIGKILL`, pid, 'SIGKILL');
  send('pid 1 SIGKILL', 1, 'SIGKILL');
  send('pid 1 SIGSTOP', 1, 'SIGSTOP');
  send('pid -1 SIGKILL', -1, 'SIGKILL');
  const mem = attempt(() => {
    const fd = fs.openSync('/proc/1/mem', 'r');
    fs.closeSync(fd);
  });
  return { visible, kills, mem, self: process.pid, uid: process.getuid() };
}

/** Tries to become root, or to gain anything over what it was given. */
function privileges() {
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  const field = (name) => (new RegExp(`^${name}:\\s+(.*)$`, 'm').exec(status) || [])[1];
  const tries = {
    setuid: attempt(() => process.setuid(0)),
    setgid: attempt(() => process.setgid(0)),
    seteuid: attempt(() => process.seteuid(0)),
    setgroups: attempt(() => process.setgroups([0])),
    // A set-user-ID root program does not raise privileges under no_new_privs.
    'setuid mount': attempt(() =>
      cp.execFileSync('/usr/bin/mount', ['-t', 'tmpfs', 'none', '/tmp'], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' }),
    ),
    'setuid su': attempt(() => cp.execFileSync('/usr/bin/su', ['-c', 'id -u'], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 3000 })),
    chroot: attempt(() => cp.execFileSync('/usr/sbin/chroot', ['/', '/bin/true'], { stdio: ['ignore', 'pipe', 'pipe'] })),
  };
  return {
    uid: process.getuid(),
    gid: process.getgid(),
    euid: process.geteuid(),
    groups: process.getgroups(),
    Uid: field('Uid'),
    Gid: field('Gid'),
    CapEff: field('CapEff'),
    CapPrm: field('CapPrm'),
    CapBnd: field('CapBnd'),
    CapAmb: field('CapAmb'),
    NoNewPrivs: field('NoNewPrivs'),
    idAfter: cp.execFileSync('/usr/bin/id', ['-u'], { encoding: 'utf8' }).trim(),
    tries,
  };
}

/** One raw HTTP exchange: the status line received, or how the connection ended without one. */
function exchange(port, request, from) {
  return new Promise((resolve) => {
    let data = '';
    let done = false;
    const finish = (outcome) => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve({ outcome, event: /lambda-runtime-aws-request-id/i.test(data), head: data.split('\r\n')[0] });
    };
    const socket = net.connect({ port, host: '127.0.0.1', ...from }, () => socket.write(request));
    socket.setEncoding('latin1');
    socket.on('data', (d) => {
      data += d;
      if (data.includes('\r\n\r\n')) setTimeout(() => finish(`http ${data.split(' ')[1]}`), 50);
    });
    socket.on('error', (err) => finish(data ? `http ${data.split(' ')[1]}` : err.code === 'ECONNREFUSED' ? 'refused' : err.code === 'ECONNRESET' || err.code === 'EPIPE' ? 'reset' : err.code));
    socket.on('close', () => finish(data ? `http ${data.split(' ')[1]}` : 'closed'));
    setTimeout(() => finish(data ? `http ${data.split(' ')[1]}` : 'timeout'), 10_000); // a loaded host may take seconds to refuse
  });
}

/** The kernel's IPv4 socket table: local and remote address:port (hex), state, uid. */
function tcpTable() {
  return fs
    .readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length > 8)
    .map((f) => ({ local: f[1], remote: f[2], state: f[3], uid: Number(f[7]) }));
}

/** Loopback ports in LISTEN state, from the kernel's socket table. */
function listeningPorts() {
  const ports = new Set();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = fs.readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 4 || f[3] !== '0A') continue;
      const [addr, port] = f[1].split(':');
      if (addr === '0100007F') ports.add(parseInt(port, 16));
    }
  }
  return [...ports].sort((a, b) => a - b);
}

/**
 * Attacks the Runtime API of other environments: finds listening loopback ports, then on
 * those the test allows (its own server's) polls for the next event and posts a forged
 * response (and error) for the neighbour's request id.
 */
async function runtimeApi(e) {
  const own = Number(process.env.AWS_LAMBDA_RUNTIME_API.split(':')[1]);
  const discovered = listeningPorts();
  const results = {};
  const targets = discovered.filter((p) => p !== own && e.ports.includes(p));
  await Promise.all(
    targets.map(async (port) => {
      const r = {};
      r.next = await exchange(port, 'GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n');
      const body = '{"forged":true}';
      const post = (what) =>
        `POST /2018-06-01/runtime/${what} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
      r.response = await exchange(port, post(`invocation/${e.id}/response`));
      r.error = await exchange(port, post(`invocation/${e.id}/error`));
      r.initError = await exchange(port, post('init/error'));
      results[port] = r;
    }),
  );
  // Impersonation: connect from the very port of the neighbour runtime's own connection to
  // its endpoint (visible in /proc/net/tcp), bound on other loopback addresses, so that a
  // peer check matching ports alone would find the neighbour's socket and its uid.
  const spoofed = [];
  const hex = (p) => p.toString(16).toUpperCase().padStart(4, '0');
  const me = process.getuid();
  for (const port of e.spoofPorts || targets) {
    const theirs = tcpTable().filter((row) => row.remote === `0100007F:${hex(port)}` && row.state === '01' && row.uid !== me);
    for (const row of theirs) {
      const localPort = parseInt(row.local.split(':')[1], 16);
      for (let a = 2; a < 2 + (e.spoofAddresses || 8); a++) {
        const from = { localAddress: `127.0.0.${a}`, localPort };
        const body = '{"forged":true}';
        const response = await exchange(
          port,
          `POST /2018-06-01/runtime/invocation/${e.id}/response HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
          from,
        );
        const next = await exchange(port, 'GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n', { localAddress: `127.0.0.${a + 100}`, localPort });
        spoofed.push({ port, theirUid: row.uid, from: `${from.localAddress}:${localPort}`, response, next });
      }
    }
  }
  return { own, discovered, results, spoofed };
}

/** Fills /tmp with `mb` MB: how much it wrote and what stopped it. */
function fill(e) {
  const file = '/tmp/fill';
  const chunk = Buffer.alloc(1024 * 1024, 0x5a);
  let written = 0;
  let code = null;
  const fd = fs.openSync(file, 'w');
  try {
    for (let i = 0; i < e.mb; i++) {
      fs.writeSync(fd, chunk);
      written++;
    }
    fs.fsyncSync(fd);
  } catch (err) {
    code = err.code;
  } finally {
    fs.closeSync(fd);
  }
  const size = fs.statSync(file).size;
  fs.rmSync(file);
  return { written, code, size };
}

/** Writes where a function must not. */
function readOnly() {
  const tries = {};
  const t = (label, fn) => (tries[label] = attempt(fn).outcome);
  t('/var/task/new', () => fs.writeFileSync('/var/task/new', 'x'));
  t('/var/task/index.js', () => fs.appendFileSync('/var/task/index.js', '//'));
  t('/var/task mkdir', () => fs.mkdirSync('/var/task/d'));
  t('/var/task chmod', () => fs.chmodSync('/var/task/index.js', 0o777));
  t('/var/runtime', () => fs.writeFileSync('/var/runtime/new', 'x'));
  t('/', () => fs.writeFileSync('/new', 'x'));
  t('/ mkdir', () => fs.mkdirSync('/new-dir'));
  t('/usr', () => fs.writeFileSync('/usr/new', 'x'));
  t('/usr/bin/node', () => fs.appendFileSync(process.execPath, ''));
  t('/etc/passwd', () => fs.appendFileSync('/etc/passwd', 'evil::0:0::/:/bin/sh\n'));
  t('/etc/new', () => fs.writeFileSync('/etc/new', 'x'));
  t('/opt', () => fs.writeFileSync('/opt/new', 'x'));
  t('/tmp (allowed)', () => fs.writeFileSync('/tmp/fine', 'x'));
  return tries;
}

exports.handler = async (e) => {
  switch (e.attack) {
    case 'whoami':
      return { uid: process.getuid(), api: process.env.AWS_LAMBDA_RUNTIME_API, pid: process.pid };
    case 'snoop':
      return snoop(e);
    case 'signals':
      return signals(e);
    case 'privileges':
      return privileges();
    case 'runtime-api':
      return runtimeApi(e);
    case 'fork-bomb': {
      // The shell complains on stderr when a fork is refused (the pids limit): then the
      // runtime says so in the log and exits soon after, ending the invocation.
      const bomb = cp.spawn('/bin/sh', ['-c', 'b(){ b | b & }; b'], { stdio: ['ignore', 'ignore', 'pipe'] });
      bomb.stderr.once('data', (d) => {
        console.log(`FORK-REFUSED ${String(d).trim().split('\n')[0]}`);
        setTimeout(() => process.exit(3), 500);
      });
      await new Promise((r) => setTimeout(r, 60_000));
      return 'survived';
    }
    case 'oom': {
      const hold = [];
      for (;;) hold.push(Buffer.alloc(8 * 1024 * 1024, 1));
    }
    case 'fill':
      return fill(e);
    case 'read-only':
      return readOnly();
    case 'statfs': {
      const s = fs.statfsSync('/tmp');
      return { bytes: s.blocks * s.bsize, free: s.bavail * s.bsize };
    }
    default:
      throw new Error(`unknown attack ${e.attack}`);
  }
};
