// The cold start's floor for Node.js: the bare interpreter, started to its first HTTP request on
// loopback (node:http, as Lamina's Node.js bootstrap uses). The bench holds the request, so the
// process then stays idle, which is the idle-memory floor too. `node floor-start.js <port> <id>`.

import http from 'node:http';

http.get({ host: '127.0.0.1', port: Number(process.argv[2]), path: `/start/${process.argv[3]}` }, (res) => res.resume());
