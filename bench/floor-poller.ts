// The warm path's floor, its runtime half: one long-poll loop over one keep-alive connection,
// as a Lambda runtime polls its Runtime API. It posts each event straight back as the answer.
// Run as `node floor-poller.js <hub port>`.

import http from 'node:http';

const port = Number(process.argv[2]);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function request(method: string, path: string, body?: Buffer): Promise<{ headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = body ? { 'Content-Type': 'application/json', 'Content-Length': body.length } : {};
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

for (;;) {
  const event = await request('GET', '/runtime/next');
  const id = String(event.headers['lambda-runtime-aws-request-id']);
  await request('POST', `/runtime/${id}/response`, event.body);
}
