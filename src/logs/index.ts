// Function logs: capture (the writer every environment's lines go through) and query.

export { createLogWriter, type LogWriter } from './writer.js';
