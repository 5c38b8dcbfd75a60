// The repository of function logs, CloudWatch Logs style: groups (`/aws/lambda/<name>`),
// streams (one per execution environment) and events (one per line). Kept apart from the
// control-plane repositories: logs are written in high volume and in batches.

export interface LogEventInput {
  readonly group: string;
  readonly stream: string;
  /** Epoch ms. */
  readonly timestamp: number;
  readonly message: string;
}

export interface StoredLogEvent {
  /** Stable and increasing in the order events were stored. */
  readonly id: number;
  readonly stream: string;
  readonly timestamp: number;
  readonly ingestionTime: number;
  readonly message: string;
}

export interface LogStreamInfo {
  readonly name: string;
  readonly creationTime: number;
  readonly firstEventTimestamp?: number;
  readonly lastEventTimestamp?: number;
  readonly lastIngestionTime?: number;
  readonly storedBytes: number;
}

export interface LogGroupInfo {
  readonly name: string;
  readonly creationTime: number;
  readonly retentionInDays?: number;
  readonly storedBytes: number;
}

export interface LogQuery {
  readonly group: string;
  readonly streams?: readonly string[];
  readonly streamPrefix?: string;
  /** Inclusive, epoch ms. */
  readonly startTime?: number;
  /** Inclusive, epoch ms. */
  readonly endTime?: number;
  /** Only events after this one in (timestamp, id) order (pagination). */
  readonly after?: { readonly timestamp: number; readonly id: number };
  readonly limit: number;
}

export interface LogRepository {
  /** Stores events, creating groups and streams on first use. */
  append(events: readonly LogEventInput[]): Promise<void>;
  /** Events in (timestamp, id) order. */
  events(query: LogQuery): Promise<StoredLogEvent[]>;
  streams(group: string): Promise<LogStreamInfo[] | undefined>;
  groups(): Promise<LogGroupInfo[]>;
  deleteGroup(group: string): Promise<boolean>;
}
