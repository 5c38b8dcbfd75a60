// Who is on the other end of a loopback TCP connection: the uid that owns the peer's socket,
// read from the kernel's socket table (/proc/net/tcp, /proc/net/tcp6). Both ends live in the
// same network namespace, so the peer's socket is listed there with its owner.

import { readFileSync } from 'node:fs';

/**
 * The uid owning the socket whose local port is `peerPort` and whose remote port is
 * `ourPort`, or undefined when it is not found.
 */
export function peerUid(peerPort: number, ourPort: number): number | undefined {
  const local = peerPort.toString(16).toUpperCase().padStart(4, '0');
  const remote = ourPort.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid ...
      const f = line.trim().split(/\s+/);
      if (f.length < 8) continue;
      if (f[1]!.endsWith(`:${local}`) && f[2]!.endsWith(`:${remote}`)) return Number(f[7]);
    }
  }
  return undefined;
}
