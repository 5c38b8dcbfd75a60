// Function logs: capture (the writer every environment's lines go through) and query.

export { createLogWriter, type LogWriter } from './writer.js';
export { compileFilterPattern, FilterPatternError, type MessagePredicate } from './filter-pattern.js';
export {
  filterEvents,
  type FilterPage,
  type FilterRequest,
  listGroups,
  listStreams,
  LogQueryError,
  type LogQueryErrorReason,
  readStream,
  type StreamPage,
  type StreamReadRequest,
} from './query.js';
