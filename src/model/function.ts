// The domain records of the control plane: a Function, its Versions ($LATEST and the
// published, immutable ones), its Aliases and its resource policies. camelCase inside;
// api/ converts to AWS's PascalCase at the edge.

export interface LoggingConfig {
  readonly logFormat: 'Text' | 'JSON';
  readonly logGroup: string;
  readonly applicationLogLevel?: string;
  readonly systemLogLevel?: string;
}

/** The configuration a version freezes; $LATEST's is the only one that changes. */
export interface FunctionConfig {
  readonly runtime: string;
  readonly handler: string;
  readonly role: string;
  readonly description: string;
  /** Seconds, 1–900. */
  readonly timeout: number;
  /** MB, 128–10240. */
  readonly memorySize: number;
  /** Undefined until a client sets Environment (AWS then omits the member). */
  readonly environment?: Readonly<Record<string, string>>;
  /** MB of /tmp, 512–10240. */
  readonly ephemeralStorage: number;
  readonly architectures: readonly ('x86_64' | 'arm64')[];
  readonly loggingConfig: LoggingConfig;
  readonly tracingMode: 'PassThrough' | 'Active';
  readonly deadLetterTargetArn?: string;
}

/** The code of a version: a zip stored once by content. */
export interface CodeRef {
  /** base64 of the zip's SHA-256, as AWS reports CodeSha256. */
  readonly sha256: string;
  /** Bytes of the zip. */
  readonly size: number;
}

export interface VersionRecord {
  readonly functionName: string;
  /** `$LATEST`, or a published version number as a string. */
  readonly version: string;
  readonly config: FunctionConfig;
  readonly code: CodeRef;
  readonly revisionId: string;
  /** `YYYY-MM-DDThh:mm:ss.SSS+0000`. */
  readonly lastModified: string;
  /** Published versions keep the description given to PublishVersion. */
  readonly versionDescription?: string;
  /** Set on $LATEST by UpdateFunctionCode/Configuration until the next read settles it. */
  readonly lastUpdate?: 'InProgress';
}

export interface FunctionRecord {
  readonly name: string;
  /** Epoch ms. */
  readonly createdAt: number;
  readonly tags: Readonly<Record<string, string>>;
  /** PutFunctionConcurrency; undefined when none is reserved. */
  readonly reservedConcurrency?: number;
  /** The highest version number ever published (numbers are never reused). */
  readonly lastPublished: number;
}

export interface AliasRecord {
  readonly functionName: string;
  readonly name: string;
  readonly functionVersion: string;
  readonly description: string;
  /** version => weight (0–1) of the one additional version. */
  readonly additionalVersionWeights?: Readonly<Record<string, number>>;
  readonly revisionId: string;
}

/** One statement of a resource policy, kept as AWS returns it. */
export type PolicyStatement = Readonly<Record<string, unknown>> & { readonly Sid: string };

export interface PolicyRecord {
  readonly functionName: string;
  /** '' for the unqualified function, else a version number or alias name. */
  readonly qualifier: string;
  readonly statements: readonly PolicyStatement[];
  readonly revisionId: string;
}

/** The AWS timestamp format of FunctionConfiguration.LastModified. */
export function awsTimestamp(ms: number = Date.now()): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}
