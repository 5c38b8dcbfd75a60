// CloudWatch Logs filter patterns (FilterLogEvents' filterPattern), compiled once into a
// predicate over event messages: terms, "quoted phrases", ?OR groups, -exclusions, %regex%,
// JSON patterns `{ $.level = "ERROR" && $.ms > 5 }` and space-delimited `[ip, user, status=404]`.

/** A pattern AWS would refuse; the message is what FilterLogEvents answers. */
export class FilterPatternError extends Error {}

export type MessagePredicate = (message: string) => boolean;

/** Compiles `pattern`; throws FilterPatternError for one that cannot be parsed. */
export function compileFilterPattern(pattern: string | undefined): MessagePredicate {
  const text = (pattern ?? '').trim();
  if (text === '') return () => true;
  if (text.startsWith('{')) return compileJsonPattern(text);
  if (text.startsWith('[')) return compileDelimitedPattern(text);
  return compileTermPattern(text);
}

const invalid = (detail: string): FilterPatternError => new FilterPatternError(`Invalid filter pattern: ${detail}`);

// -------------------------------------------------------------------------------------------
// Terms: `ERROR "bad request" -debug ?WARN ?FATAL %time(d|out)%`.
//
// Terms are case-sensitive and match anywhere in the message. Plain terms must all match
// (AND); `-term` must not match; a `?term` starts an alternative, so `?a ?b` is a OR b and
// `?a x ?b y` is (a AND x) OR (b AND y).

interface Term {
  readonly test: (message: string) => boolean;
  readonly negated: boolean;
  /** `?term`: starts a new alternative. */
  readonly alternative: boolean;
}

function compileTermPattern(text: string): MessagePredicate {
  const groups: Term[][] = [[]];
  for (const term of lexTerms(text)) {
    if (term.alternative && groups.at(-1)!.length > 0) groups.push([]);
    groups.at(-1)!.push(term);
  }
  const alternatives = groups.filter((g) => g.length > 0);
  if (alternatives.length === 0) return () => true;
  return (message) => alternatives.some((group) => group.every((t) => t.test(message) !== t.negated));
}

/** Splits a term pattern into words and "quoted phrases" (with \" escapes), each with its prefixes. */
function lexTerms(text: string): Term[] {
  const terms: Term[] = [];
  let i = 0;
  while (i < text.length) {
    if (/\s/.test(text[i]!)) {
      i++;
      continue;
    }
    const start = i;
    let alternative = false;
    let negated = false;
    if (text[i] === '?') {
      alternative = true;
      i++;
    }
    if (text[i] === '-' && i + 1 < text.length && !/\s/.test(text[i + 1]!)) {
      negated = true;
      i++;
    }
    if (text[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw invalid(`Unterminated quoted term ${text.slice(start)}`);
        const c = text[i++]!;
        if (c === '"') break;
        if (c === '\\' && i < text.length) value += text[i++]!;
        else value += c;
      }
      if (value === '') throw invalid(`Invalid character(s) in term '""'`);
      terms.push({ test: substring(value), negated, alternative });
      continue;
    }
    const wordStart = i;
    while (i < text.length && !/\s/.test(text[i]!)) {
      if (text[i] === '"') throw invalid(`Invalid character(s) in term '${text.slice(start).split(/\s/)[0]}'`);
      i++;
    }
    const word = text.slice(wordStart, i);
    if (word === '') throw invalid(`Invalid character(s) in term '${text.slice(start, i)}'`);
    const isRegex = word.length >= 2 && word.startsWith('%') && word.endsWith('%');
    terms.push({ test: isRegex ? regexTest(word.slice(1, -1)) : substring(word), negated, alternative });
  }
  return terms;
}

const substring =
  (needle: string) =>
  (message: string): boolean =>
    message.includes(needle);

function regexTest(source: string): (message: string) => boolean {
  let re: RegExp;
  try {
    re = new RegExp(source);
  } catch {
    throw invalid(`Invalid regular expression '%${source}%'`);
  }
  return (message) => re.test(message);
}

// -------------------------------------------------------------------------------------------
// JSON patterns: `{ SELECTOR OP VALUE }`, combined with && (binds tighter), || and parentheses.
//   selectors  $.a.b  $.list[0].id  $.*  (the whole event must be a JSON object or array)
//   operators  = != on strings (with * wildcards, or a %regex%) and numbers; < <= > >= on numbers
//   tests      IS NULL, IS TRUE, IS FALSE, NOT EXISTS, EXISTS

type JsonValue = unknown;
type JsonTest = (root: JsonValue) => boolean;

type Token =
  | { kind: 'punct'; text: string }
  | { kind: 'selector'; path: PathStep[] }
  | { kind: 'string'; text: string }
  | { kind: 'regex'; source: string }
  | { kind: 'word'; text: string };

type PathStep = { key: string } | { index: number } | { any: true };

const OPERATORS = ['!=', '<=', '>=', '&&', '||', '=', '<', '>', '(', ')'];

function tokenizeJson(body: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < body.length) {
    const c = body[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const op = OPERATORS.find((o) => body.startsWith(o, i));
    if (op) {
      out.push({ kind: 'punct', text: op });
      i += op.length;
      continue;
    }
    if (c === '"') {
      let text = '';
      i++;
      for (;;) {
        if (i >= body.length) throw invalid('Unterminated string in JSON pattern');
        const ch = body[i++]!;
        if (ch === '"') break;
        if (ch === '\\' && i < body.length) text += body[i++]!;
        else text += ch;
      }
      out.push({ kind: 'string', text });
      continue;
    }
    if (c === '%') {
      const end = body.indexOf('%', i + 1);
      if (end < 0) throw invalid('Unterminated regular expression in JSON pattern');
      out.push({ kind: 'regex', source: body.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    if (c === '$') {
      const [path, next] = readSelector(body, i + 1);
      out.push({ kind: 'selector', path });
      i = next;
      continue;
    }
    let j = i;
    while (j < body.length && !/[\s()=!<>&|"]/.test(body[j]!)) j++;
    if (j === i) throw invalid(`Unexpected character '${c}' in JSON pattern`);
    out.push({ kind: 'word', text: body.slice(i, j) });
    i = j;
  }
  return out;
}

function readSelector(body: string, i: number): [PathStep[], number] {
  const path: PathStep[] = [];
  for (;;) {
    if (body[i] === '.') {
      i++;
      if (body[i] === '*') {
        path.push({ any: true });
        i++;
        continue;
      }
      const m = /^[^\s.[\]()=!<>&|"]+/.exec(body.slice(i));
      if (!m) throw invalid('Invalid property selector in JSON pattern');
      path.push({ key: m[0] });
      i += m[0].length;
    } else if (body[i] === '[') {
      const m = /^\[(\d+|\*)\]/.exec(body.slice(i));
      if (!m) throw invalid('Invalid array index in JSON pattern');
      path.push(m[1] === '*' ? { any: true } : { index: Number(m[1]) });
      i += m[0].length;
    } else break;
  }
  if (path.length === 0) throw invalid('A property selector must start with $.');
  return [path, i];
}

/** Every value the selector reaches (several through `*`). */
function select(root: JsonValue, path: readonly PathStep[]): JsonValue[] {
  let current: JsonValue[] = [root];
  for (const step of path) {
    const next: JsonValue[] = [];
    for (const v of current) {
      if (v === null || typeof v !== 'object') continue;
      if ('key' in step) {
        if (!Array.isArray(v) && Object.hasOwn(v, step.key)) next.push((v as Record<string, unknown>)[step.key]);
      } else if ('index' in step) {
        if (Array.isArray(v) && step.index < v.length) next.push(v[step.index]);
      } else next.push(...(Array.isArray(v) ? v : Object.values(v)));
    }
    current = next;
  }
  return current;
}

function compileJsonPattern(text: string): MessagePredicate {
  if (!text.endsWith('}')) throw invalid('A JSON pattern must end with }');
  const tokens = tokenizeJson(text.slice(1, -1));
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const isPunct = (t: Token | undefined, p: string): boolean => t?.kind === 'punct' && t.text === p;

  const parseOr = (): JsonTest => {
    const parts = [parseAnd()];
    while (isPunct(peek(), '||')) {
      pos++;
      parts.push(parseAnd());
    }
    return parts.length === 1 ? parts[0]! : (root) => parts.some((p) => p(root));
  };
  const parseAnd = (): JsonTest => {
    const parts = [parseUnary()];
    while (isPunct(peek(), '&&')) {
      pos++;
      parts.push(parseUnary());
    }
    return parts.length === 1 ? parts[0]! : (root) => parts.every((p) => p(root));
  };
  const parseUnary = (): JsonTest => {
    const t = peek();
    if (isPunct(t, '(')) {
      pos++;
      const inner = parseOr();
      if (!isPunct(peek(), ')')) throw invalid('Missing ) in JSON pattern');
      pos++;
      return inner;
    }
    if (t?.kind !== 'selector') throw invalid('Expected a property selector ($.field) in JSON pattern');
    pos++;
    return parseCondition(t.path);
  };
  const parseCondition = (path: PathStep[]): JsonTest => {
    const t = peek();
    if (t?.kind === 'word') {
      const w = t.text.toUpperCase();
      pos++;
      if (w === 'EXISTS') return (root) => select(root, path).length > 0;
      if (w === 'NOT') {
        const n = peek();
        if (n?.kind !== 'word' || n.text.toUpperCase() !== 'EXISTS') throw invalid('Expected EXISTS after NOT');
        pos++;
        return (root) => select(root, path).length === 0;
      }
      if (w === 'IS') {
        const n = peek();
        const what = n?.kind === 'word' ? n.text.toUpperCase() : '';
        pos++;
        if (what === 'NULL') return (root) => select(root, path).some((v) => v === null);
        if (what === 'TRUE') return (root) => select(root, path).some((v) => v === true);
        if (what === 'FALSE') return (root) => select(root, path).some((v) => v === false);
        throw invalid('Expected NULL, TRUE or FALSE after IS');
      }
      throw invalid(`Unexpected '${t.text}' in JSON pattern`);
    }
    if (t?.kind !== 'punct' || !['=', '!=', '<', '<=', '>', '>='].includes(t.text)) {
      throw invalid('Expected a comparison operator in JSON pattern');
    }
    pos++;
    const op = t.text;
    const v = peek();
    if (v === undefined || v.kind === 'punct' || v.kind === 'selector') throw invalid('Expected a value in JSON pattern');
    pos++;
    const compare = comparison(op, v);
    return (root) => select(root, path).some(compare);
  };

  const test = parseOr();
  if (pos !== tokens.length) throw invalid('Unexpected text at the end of the JSON pattern');
  return (message) => {
    const trimmed = message.trim();
    if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return false;
    let root: JsonValue;
    try {
      root = JSON.parse(trimmed);
    } catch {
      return false;
    }
    return test(root);
  };
}

const NUMBER = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** One `OP VALUE`, as a test of a selected value. */
function comparison(op: string, v: Exclude<Token, { kind: 'punct' } | { kind: 'selector' }>): (x: unknown) => boolean {
  if (v.kind === 'word' && NUMBER.test(v.text)) {
    const n = Number(v.text);
    const cmp = numberOp(op);
    return (x) => typeof x === 'number' && cmp(x, n);
  }
  if (op !== '=' && op !== '!=') throw invalid(`Operator ${op} needs a numeric value`);
  const matches = v.kind === 'regex' ? regexTest(v.source) : glob(v.text);
  const scalar = (x: unknown): string | undefined =>
    typeof x === 'string' ? x : typeof x === 'number' || typeof x === 'boolean' ? String(x) : undefined;
  return op === '='
    ? (x) => {
        const s = scalar(x);
        return s !== undefined && matches(s);
      }
    : (x) => {
        const s = scalar(x);
        return s !== undefined && !matches(s);
      };
}

function numberOp(op: string): (a: number, b: number) => boolean {
  switch (op) {
    case '=':
      return (a, b) => a === b;
    case '!=':
      return (a, b) => a !== b;
    case '<':
      return (a, b) => a < b;
    case '<=':
      return (a, b) => a <= b;
    case '>':
      return (a, b) => a > b;
    default:
      return (a, b) => a >= b;
  }
}

/** Whole-value match where `*` stands for any run of characters. */
function glob(pattern: string): (s: string) => boolean {
  if (!pattern.includes('*')) return (s) => s === pattern;
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  const re = new RegExp(`^${source}$`, 's');
  return (s) => re.test(s);
}

// -------------------------------------------------------------------------------------------
// Space-delimited patterns: `[ip, user, ..., status = 404, size > 1000]`. The message is split
// on spaces (a "quoted" or [bracketed] run is one field), and the pattern must account for
// every field; `...` stands for any number of them.
// A field is a name, optionally with conditions on it (or on other named fields) joined by
// && and ||: `[..., status >= 400 && status < 500, size]`.

interface DelimitedField {
  readonly name: string;
  readonly ellipsis: boolean;
  readonly test?: (fields: ReadonlyMap<string, string>) => boolean;
}

function compileDelimitedPattern(text: string): MessagePredicate {
  if (!text.endsWith(']')) throw invalid('A space-delimited pattern must end with ]');
  const inner = text.slice(1, -1).trim();
  const specs: DelimitedField[] = inner === '' ? [] : splitTopLevel(inner, ',').map(parseDelimitedField);
  return (message) => {
    const values = splitMessageFields(message);
    const bound = bindFields(specs, values);
    if (!bound) return false;
    return specs.every((s) => !s.test || s.test(bound));
  };
}

function parseDelimitedField(raw: string): DelimitedField {
  const text = raw.trim();
  if (text === '...') return { name: '...', ellipsis: true };
  const m = /^([A-Za-z_][\w.-]*)\s*(.*)$/s.exec(text);
  if (!m) throw invalid(`Invalid field '${text}' in space-delimited pattern`);
  const name = m[1]!;
  const rest = m[2]!;
  if (rest === '') return { name, ellipsis: false };
  // The conditions: `= 404`, or a chain `>= 400 && status < 500`.
  const expression = /^(=|!=|<=|>=|<|>)/.test(rest) ? `${name} ${rest}` : rest;
  return { name, ellipsis: false, test: compileFieldConditions(expression) };
}

function compileFieldConditions(expression: string): (fields: ReadonlyMap<string, string>) => boolean {
  const orParts = expression.split('||').map((part) =>
    part.split('&&').map((cond) => {
      const m = /^\s*([A-Za-z_][\w.-]*)\s*(=|!=|<=|>=|<|>)\s*(.+?)\s*$/s.exec(cond);
      if (!m) throw invalid(`Invalid condition '${cond.trim()}' in space-delimited pattern`);
      const [, field, op, rawValue] = m as unknown as [string, string, string, string];
      let token: Exclude<Token, { kind: 'punct' } | { kind: 'selector' }>;
      if (rawValue.startsWith('"') && rawValue.endsWith('"') && rawValue.length >= 2) {
        token = { kind: 'string', text: rawValue.slice(1, -1) };
      } else if (rawValue.startsWith('%') && rawValue.endsWith('%') && rawValue.length >= 2) {
        token = { kind: 'regex', source: rawValue.slice(1, -1) };
      } else token = { kind: 'word', text: rawValue };
      const numeric = token.kind === 'word' && NUMBER.test(token.text);
      const compare = comparison(op, token);
      return (fields: ReadonlyMap<string, string>) => {
        const value = fields.get(field);
        if (value === undefined) return false;
        if (numeric) return NUMBER.test(value) && compare(Number(value));
        return compare(value);
      };
    }),
  );
  return (fields) => orParts.some((and) => and.every((c) => c(fields)));
}

/** Splits at `sep` outside quotes and brackets. */
function splitTopLevel(text: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"' && text[i - 1] !== '\\') quoted = !quoted;
    else if (!quoted && (c === '[' || c === '(')) depth++;
    else if (!quoted && (c === ']' || c === ')')) depth--;
    else if (!quoted && depth === 0 && c === sep) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out;
}

/** The message's fields: runs of non-space, with "quoted" and [bracketed] runs kept whole. */
function splitMessageFields(message: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < message.length) {
    while (i < message.length && /\s/.test(message[i]!)) i++;
    if (i >= message.length) break;
    const open = message[i]!;
    const close = open === '"' ? '"' : open === '[' ? ']' : undefined;
    if (close) {
      const end = message.indexOf(close, i + 1);
      if (end > i) {
        out.push(message.slice(i + 1, end));
        i = end + 1;
        continue;
      }
    }
    const start = i;
    while (i < message.length && !/\s/.test(message[i]!)) i++;
    out.push(message.slice(start, i));
  }
  return out;
}

/** Binds pattern fields to message fields (`...` absorbs any number); undefined if impossible. */
function bindFields(specs: readonly DelimitedField[], values: readonly string[]): Map<string, string> | undefined {
  const bind = (si: number, vi: number, acc: Map<string, string>): Map<string, string> | undefined => {
    if (si === specs.length) return vi === values.length ? acc : undefined;
    const spec = specs[si]!;
    if (spec.ellipsis) {
      for (let skip = values.length - vi; skip >= 0; skip--) {
        const r = bind(si + 1, vi + skip, acc);
        if (r) return r;
      }
      return undefined;
    }
    if (vi >= values.length) return undefined;
    return bind(si + 1, vi + 1, new Map(acc).set(spec.name, values[vi]!));
  };
  return bind(0, 0, new Map());
}
