// The bench's noop handler, the same code that Lamina runs as index.js.
exports.handler = async () => ({});
