// Lamina's layering, checked on the compiled code (dist/src) by `npm run lint` and by
// test/contract/boundaries.test.ts. One rule per line of the table in CONTRIBUTING.md.
/** folder => the src folders it may import (besides itself) */
const allowed = {
  model: [],
  config: ['model'],
  sigv4: ['model'],
  'runtime-catalog': [],
  store: ['model'],
  sandbox: [],
  'runtime-api': ['model'],
  pool: ['model', 'sandbox', 'runtime-api'],
  logs: ['model', 'store'],
  control: ['model', 'store', 'runtime-catalog'],
  invoke: ['model', 'store', 'pool', 'logs', 'runtime-catalog', 'runtime-api'],
  api: ['model', 'config', 'sigv4', 'store', 'control', 'invoke', 'logs'],
  client: ['model', 'sigv4'],
  cli: ['model', 'client'],
};
const folders = Object.keys(allowed);

module.exports = {
  forbidden: [
    ...folders.map((from) => ({
      name: `layer-${from}`,
      comment: `${from}/ may import only: ${allowed[from].join(', ') || 'nothing in src'}`,
      severity: 'error',
      from: { path: `^dist/src/${from}/` },
      to: { path: `^dist/src/(?!(${[from, ...allowed[from]].join('|')})/)[^/]+/` },
    })),
    {
      name: 'enter-through-index',
      comment: 'another folder is entered through its index.js only',
      severity: 'error',
      from: { path: '^dist/src/([^/]+)/' },
      to: { path: '^dist/src/([^/]+)/(?!index\\.js$).+', pathNot: '^dist/src/$1/' },
    },
    { name: 'no-cycles', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'no-test-code-in-src',
      severity: 'error',
      from: { path: '^dist/src/', pathNot: '\\.test\\.js$' },
      to: { path: '\\.test\\.js$|^dist/test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.js$' },
    moduleSystems: ['es6'],
  },
};
