// Reading a request's members with their model types, and checking their constraints in
// the words AWS's validator uses. A member of the wrong JSON type cannot be bound and is an
// InvalidRequestContentException; a well-typed member that breaks a constraint is collected
// as a violation, so that one ValidationException can list them all as AWS does.

import { ApiError, type ApiErrorCode, type ConstraintViolation, validationError } from '../model/index.js';

type Json = Record<string, unknown>;

function typeError(member: string, expected: string): ApiError {
  return new ApiError(
    'InvalidRequestContentException',
    `Could not parse request body into json: Cannot deserialize value of type \`${expected}\` for member '${member}'`,
  );
}

/** Typed access to the members of a JSON object (the request body or a nested structure). */
export class Members {
  constructor(
    private readonly obj: Json,
    private readonly prefix = '',
  ) {}

  has(name: string): boolean {
    return this.obj[name] !== undefined && this.obj[name] !== null;
  }

  str(name: string): string | undefined {
    const v = this.obj[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw typeError(this.prefix + name, 'String');
    return v;
  }

  int(name: string): number | undefined {
    const v = this.obj[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v)) throw typeError(this.prefix + name, 'Integer');
    return v;
  }

  num(name: string): number | undefined {
    const v = this.obj[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw typeError(this.prefix + name, 'Double');
    return v;
  }

  bool(name: string): boolean | undefined {
    const v = this.obj[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') throw typeError(this.prefix + name, 'Boolean');
    return v;
  }

  /** A nested structure. */
  struct(name: string): Members | undefined {
    const v = this.obj[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) throw typeError(this.prefix + name, 'Structure');
    return new Members(v as Json, `${this.prefix}${name}.`);
  }

  /** A map of strings to strings. */
  stringMap(name: string): Record<string, string> | undefined {
    const v = this.obj[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) throw typeError(this.prefix + name, 'Map');
    for (const item of Object.values(v)) if (typeof item !== 'string') throw typeError(this.prefix + name, 'String');
    return { ...(v as Record<string, string>) };
  }

  /** A map of strings to numbers. */
  numberMap(name: string): Record<string, number> | undefined {
    const v = this.obj[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) throw typeError(this.prefix + name, 'Map');
    for (const item of Object.values(v)) if (typeof item !== 'number') throw typeError(this.prefix + name, 'Double');
    return { ...(v as Record<string, number>) };
  }

  stringList(name: string): string[] | undefined {
    const v = this.obj[name];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) throw typeError(this.prefix + name, 'List');
    for (const item of v) if (typeof item !== 'string') throw typeError(this.prefix + name, 'String');
    return [...(v as string[])];
  }

  /** A blob: base64 in JSON. */
  blob(name: string): Buffer | undefined {
    const s = this.str(name);
    if (s === undefined) return undefined;
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s.replace(/\s+/g, ''))) throw typeError(this.prefix + name, 'Blob');
    return Buffer.from(s, 'base64');
  }
}

/** Renders a value as AWS's validator quotes it in messages. */
export function quote(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (Array.isArray(value)) return `'[${value.join(', ')}]'`;
  if (typeof value === 'object') {
    const parts = Object.entries(value as Json).map(([k, v]) => `${k}=${String(v)}`);
    return `'{${parts.join(', ')}}'`;
  }
  return `'${String(value)}'`;
}

/** Constraint checks over members; `field` is the camelCase member path AWS reports. */
export class Violations {
  private readonly list: ConstraintViolation[] = [];

  add(field: string, value: unknown, rule: string): this {
    this.list.push({ field, value: quote(value), rule });
    return this;
  }

  required(field: string, value: unknown): boolean {
    if (value === undefined || value === null) {
      this.add(field, value, 'Member must not be null');
      return false;
    }
    return true;
  }

  length(field: string, value: string | readonly unknown[] | undefined, min: number, max?: number): this {
    if (value === undefined) return this;
    if (value.length < min) this.add(field, value, `Member must have length greater than or equal to ${min}`);
    if (max !== undefined && value.length > max) {
      this.add(field, value, `Member must have length less than or equal to ${max}`);
    }
    return this;
  }

  /** `pattern` is the model's pattern text, matched against the whole value. */
  pattern(field: string, value: string | undefined, pattern: string): this {
    if (value === undefined) return this;
    if (!new RegExp(`^(?:${pattern})$`).test(value)) {
      this.add(field, value, `Member must satisfy regular expression pattern: ${pattern}`);
    }
    return this;
  }

  range(field: string, value: number | undefined, min?: number, max?: number): this {
    if (value === undefined) return this;
    if (min !== undefined && value < min) this.add(field, value, `Member must have value greater than or equal to ${min}`);
    if (max !== undefined && value > max) this.add(field, value, `Member must have value less than or equal to ${max}`);
    return this;
  }

  oneOf(field: string, value: string | undefined, allowed: readonly string[]): this {
    if (value === undefined || allowed.includes(value)) return this;
    return this.add(field, value, `Member must satisfy enum value set: [${allowed.join(', ')}]`);
  }

  get empty(): boolean {
    return this.list.length === 0;
  }

  /** Throws one error listing every violation, if there is any. */
  check(code: Extract<ApiErrorCode, 'ValidationException' | 'InvalidParameterValueException'> = 'ValidationException'): void {
    if (this.list.length > 0) throw validationError(this.list, code);
  }
}
