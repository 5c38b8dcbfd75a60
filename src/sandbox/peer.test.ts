// peerUid() against real loopback connections: our own, another uid's (a child dropped to
// another identity, as a sandbox is), IPv6, and ports that are not connected.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { describe, test } from 'node:test';
import { peerUid } from './peer.js';

const ROOT = process.getuid?.() === 0;
const NOT_ROOT = ROOT ? false : 'needs root (to connect as another uid)';
if (!ROOT && process.env.LAMINA_REQUIRE_ALL === '1') throw new Error('peer.test.ts needs root: nothing may be skipped in CI');

/** Listens on `host`, lets `connect` open a connection, returns peerUid() of the accepted socket. */
async function uidOfPeer(host: string, connect: (port: number) => void): Promise<number | undefined> {
  const server = net.createServer();
  const accepted = new Promise<number | undefined>((resolve) => {
    server.once('connection', (socket) => {
      resolve(peerUid(socket));
      socket.destroy();
    });
  });
  await new Promise<void>((r) => server.listen(0, host, r));
  connect((server.address() as net.AddressInfo).port);
  try {
    return await accepted;
  } finally {
    server.close();
  }
}

describe('peerUid', () => {
  test('is our own uid for a connection we opened', async () => {
    let client: net.Socket | undefined;
    const uid = await uidOfPeer('127.0.0.1', (port) => (client = net.connect(port, '127.0.0.1')));
    client?.destroy();
    assert.equal(uid, process.getuid?.());
  });

  test('works over IPv6 loopback too', async (t) => {
    let client: net.Socket | undefined;
    try {
      const uid = await uidOfPeer('::1', (port) => (client = net.connect(port, '::1')));
      assert.equal(uid, process.getuid?.());
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EADDRNOTAVAIL') t.skip('no IPv6 loopback here');
      else throw err;
    } finally {
      client?.destroy();
    }
  });

  test("is the other process's uid when another identity connects", { skip: NOT_ROOT }, async () => {
    const uid = await uidOfPeer('127.0.0.1', (port) => {
      spawn(process.execPath, ['-e', `const s = require('net').connect(${port}, '127.0.0.1'); s.on('error', () => {}); setTimeout(() => s.destroy(), 2000);`], {
        uid: 4242,
        gid: 4242,
        stdio: 'ignore',
      });
    });
    assert.equal(uid, 4242);
  });

  test("is the impersonator's own uid when it connects from another one's port on another loopback address", { skip: NOT_ROOT }, async () => {
    const server = net.createServer();
    const seen: { address: string | undefined; uid: number | undefined }[] = [];
    const twoAccepted = new Promise<void>((resolve) => {
      server.on('connection', (socket) => {
        seen.push({ address: socket.remoteAddress, uid: peerUid(socket) });
        if (seen.length === 2) resolve();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    const hold = 'setTimeout(() => s.destroy(), 3000); s.on("error", () => {});';
    // The "victim" (uid 5001) connects and tells its local port…
    const victim = spawn(process.execPath, ['-e', `const s = require('net').connect(${port}, '127.0.0.1', () => console.log(s.localPort)); ${hold}`], {
      uid: 5001,
      gid: 5001,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const victimPort = Number(await new Promise<string>((r) => victim.stdout!.once('data', (d: Buffer) => r(String(d).trim()))));
    // …and the "attacker" (uid 5002) connects from that same port on 127.0.0.2.
    spawn(
      process.execPath,
      ['-e', `const s = require('net').connect({ port: ${port}, host: '127.0.0.1', localAddress: '127.0.0.2', localPort: ${victimPort} }); ${hold}`],
      { uid: 5002, gid: 5002, stdio: 'ignore' },
    );
    await twoAccepted;
    server.close();
    assert.deepEqual(seen, [
      { address: '127.0.0.1', uid: 5001 },
      { address: '127.0.0.2', uid: 5002 },
    ]);
  });

  test('is undefined for ports that are not connected to each other', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      // A listening socket's remote port is 0: no pair matches an unknown peer port.
      const ends = { remoteAddress: '127.0.0.1', localAddress: '127.0.0.1' };
      assert.equal(peerUid({ ...ends, remotePort: 1, localPort: port }), undefined);
      assert.equal(peerUid({ ...ends, remotePort: port, localPort: 1 }), undefined);
    } finally {
      server.close();
    }
  });
});
