// Who is on the other end of a loopback TCP connection: the uid that owns the peer's socket,
// read from the kernel's socket table (/proc/net/tcp, /proc/net/tcp6). Both ends live in the
// same network namespace, so the peer's socket is listed there with its owner. The row is
// found by the whole address pair (addresses and ports of both ends), so a process cannot
// pass for another by connecting from the same port on another loopback address.

import { readFileSync } from 'node:fs';
import { isIPv4 } from 'node:net';

/** The two ends of an accepted connection, as node's net.Socket gives them. */
export interface ConnectionEnds {
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
  readonly localAddress?: string | undefined;
  readonly localPort?: number | undefined;
}

/** Reads of the socket table before a connection is taken for one without a live row. */
const READS = 3;

/** The uid owning the peer's socket of `conn`, or undefined when no live row matches. */
export function peerUid(conn: ConnectionEnds): number | undefined {
  const { remoteAddress, remotePort, localAddress, localPort } = conn;
  if (!remoteAddress || !localAddress || remotePort === undefined || localPort === undefined) return undefined;
  const v4 = isIPv4(remoteAddress) && isIPv4(localAddress);
  // In the peer's row, its own end is the local address and ours the remote one.
  const peer = `${encode(remoteAddress, v4)}:${hexPort(remotePort)}`;
  const ours = `${encode(localAddress, v4)}:${hexPort(localPort)}`;
  // The kernel lists the table in pieces, not as one snapshot: while many connections open
  // and close, a row can be skipped. A missing row is read again; a row found is final.
  for (let read = 0; read < READS; read++) {
    let text: string;
    try {
      text = readFileSync(v4 ? '/proc/net/tcp' : '/proc/net/tcp6', 'utf8');
    } catch {
      return undefined;
    }
    for (const line of text.split('\n')) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid ...
      const f = line.trim().split(/\s+/);
      // TIME_WAIT (06) rows are closed connections, listed with uid 0.
      if (f.length >= 8 && f[1] === peer && f[2] === ours && f[3] !== '06') return Number(f[7]);
    }
  }
  return undefined;
}

function hexPort(port: number): string {
  return port.toString(16).toUpperCase().padStart(4, '0');
}

/** An address as /proc/net/tcp{,6} writes it: 32-bit words in host (little-endian) order. */
function encode(address: string, v4: boolean): string {
  const bytes = v4 ? address.split('.').map(Number) : ipv6Bytes(address);
  let out = '';
  for (let i = 0; i < bytes.length; i += 4) {
    for (let j = 3; j >= 0; j--) out += bytes[i + j]!.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

function ipv6Bytes(address: string): number[] {
  let text = address.replace(/%.*$/, '');
  const v4tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4tail) {
    const [a, b, c, d] = v4tail[1]!.split('.').map(Number) as [number, number, number, number];
    text = text.slice(0, -v4tail[1]!.length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? (text.split('::') as [string, string]) : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.flatMap((g) => {
    const n = parseInt(g || '0', 16);
    return [n >> 8, n & 0xff];
  });
}
