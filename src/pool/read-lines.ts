// Splitting a runtime's output into log lines.

/** Calls `onLine` for every complete line (without its newline) the stream yields. */
export function readLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const text = partial + chunk;
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      onLine(text.slice(start, nl));
      start = nl + 1;
    }
    partial = text.slice(start);
  });
  stream.on('end', () => {
    if (partial) onLine(partial);
    partial = '';
  });
}
