// The warm path's floor, its server half: a bare Node HTTP server that holds each client request
// until a second process, long-polling like a Lambda runtime, takes it and posts the answer back.
// `node floor-hub.js` prints `listening <port>`; GET /stats says how many polls it holds.

import http from 'node:http';
import type { AddressInfo } from 'node:net';

// Two loopback hops and nothing else (no signature check, no state, no logs):
//
//   client ──POST /…/invocations──▶ hub ──answers a held GET /runtime/next──▶ poller
//   client ◀──────── 200 ───────── hub ◀──POST /runtime/<id>/response──────── poller

const waiting: http.ServerResponse[] = [];
const queue: { id: string; body: Buffer }[] = [];
const inFlight = new Map<string, http.ServerResponse>();
let nextId = 0;

function deliver(poll: http.ServerResponse, event: { id: string; body: Buffer }): void {
  poll.writeHead(200, { 'Content-Type': 'application/json', 'Lambda-Runtime-Aws-Request-Id': event.id });
  poll.end(event.body);
}

function readBody(req: http.IncomingMessage, done: (body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => done(Buffer.concat(chunks)));
}

const server = http.createServer({ keepAlive: true, requestTimeout: 0 }, (req, res) => {
  const url = req.url ?? '/';
  if (url === '/runtime/next') {
    const event = queue.shift();
    if (event) deliver(res, event);
    else {
      waiting.push(res);
      res.once('close', () => {
        const i = waiting.indexOf(res);
        if (i >= 0) waiting.splice(i, 1);
      });
    }
    return;
  }
  if (url.startsWith('/runtime/') && req.method === 'POST') {
    const id = url.slice('/runtime/'.length, url.lastIndexOf('/'));
    readBody(req, (body) => {
      const client = inFlight.get(id);
      inFlight.delete(id);
      res.writeHead(202).end();
      client?.writeHead(200, { 'Content-Type': 'application/json' }).end(body);
    });
    return;
  }
  if (url === '/stats') {
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ waiting: waiting.length }));
    return;
  }
  // Anything else is an invocation.
  readBody(req, (body) => {
    const event = { id: String(++nextId), body };
    inFlight.set(event.id, res);
    const poll = waiting.shift();
    if (poll) deliver(poll, event);
    else queue.push(event);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});
