/**
 * JSON text as the files and forms give it: checked before JSON.parse sees it, so that what
 * JSON.parse would accept silently or fail on without saying where is refused with the line
 * and column. Refused: a syntax error (with what was expected there), a key given twice in one
 * object (JSON.parse keeps the last), and nesting deeper than MAX_JSON_DEPTH (no setting or
 * scenario needs more than four levels; a document nested 100,000 deep would otherwise
 * overflow the stack of whatever walks it). The scan keeps its own stack, so it never recurses.
 */

/** Deepest nesting of objects and arrays a document may have. */
export const MAX_JSON_DEPTH = 64;

/** Longest value quoted back in an error message, in characters. */
export const MAX_ECHO = 80;

export interface JsonSyntaxError {
  offset: number;
  /** What was expected at `offset`, or what is wrong there. */
  expected: string;
  /** A problem with what is there (a duplicate key, too deep) rather than a syntax error. */
  problem?: string;
}

class Stop {
  constructor(readonly error: JsonSyntaxError) {}
}

const SPACE = new Set([' ', '\t', '\n', '\r']);

/** Finds where JSON text first goes wrong, or null when it is a document this project reads. */
export function findJsonSyntaxError(text: string): JsonSyntaxError | null {
  let i = 0;
  const stop = (expected: string): never => {
    throw new Stop({ offset: i, expected });
  };
  const space = (): void => {
    while (i < text.length && SPACE.has(text[i])) i++;
  };
  const literal = (word: string): void => {
    if (text.startsWith(word, i)) i += word.length;
    else stop(`"${word}"`);
  };
  const string = (): void => {
    i++; // opening quote
    while (i < text.length && text[i] !== '"') {
      if (text.charCodeAt(i) < 0x20) stop('a control character to be escaped');
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) i += 5;
        else if (text[i] !== undefined && '"\\/bfnrt'.includes(text[i])) i++;
        else stop('a valid escape');
      } else i++;
    }
    if (i >= text.length) stop('a closing quote');
    i++;
  };
  const NUMBER = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
  const number = (): void => {
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (m === null) stop('a number');
    else i += m[0].length;
  };
  // One frame per open object or array; an object's frame keeps the keys it has seen.
  const stack: { array: boolean; keys: Set<string> | null }[] = [];
  /** Reads a scalar, or opens a container; returns whether a container was opened. */
  const valueStart = (): boolean => {
    space();
    const c = text[i];
    if (c === '{' || c === '[') {
      if (stack.length >= MAX_JSON_DEPTH)
        throw new Stop({ offset: i, expected: '', problem: `nested deeper than ${MAX_JSON_DEPTH} levels` });
      i++;
      stack.push({ array: c === '[', keys: c === '{' ? new Set() : null });
      return true;
    }
    if (c === '"') string();
    else if (c === 't') literal('true');
    else if (c === 'f') literal('false');
    else if (c === 'n') literal('null');
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) number();
    else stop('a value');
    return false;
  };
  /** In an object, before a member: reads `"key":`, refusing a key seen before. */
  const key = (keys: Set<string>): void => {
    space();
    if (text[i] !== '"') stop('a property name in double quotes');
    const from = i;
    string();
    const name = JSON.parse(text.slice(from, i)) as string;
    if (keys.has(name)) throw new Stop({ offset: from, expected: '', problem: `the key ${echoValue(name)} is given twice in one object` });
    keys.add(name);
    space();
    if (text[i] !== ':') stop('":"');
    i++;
  };
  try {
    let opened = valueStart();
    // `opened`: a container was just opened (expect its first member or its end);
    // otherwise a value just ended (expect "," or the container's end).
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      space();
      const close = top.array ? ']' : '}';
      if (opened && text[i] === close) {
        i++;
        stack.pop();
        opened = false;
        continue;
      }
      if (!opened) {
        if (text[i] === close) {
          i++;
          stack.pop();
          continue;
        }
        if (text[i] !== ',') stop(`"," or "${close}"`);
        i++;
      }
      if (top.keys !== null) key(top.keys);
      opened = valueStart();
    }
    space();
    if (i < text.length) stop('the end of the text');
    return null;
  } catch (e) {
    if (e instanceof Stop) return e.error;
    throw e;
  }
}

/** Line and column of a character offset, 1-based. */
export function lineColumn(text: string, offset: number): string {
  let line = 1;
  let start = 0;
  for (let k = text.indexOf('\n'); k !== -1 && k < offset; k = text.indexOf('\n', k + 1)) {
    line++;
    start = k + 1;
  }
  return `line ${line}, column ${offset - start + 1}`;
}

/** What is wrong with JSON text and where ("not JSON at line L, column C: ..."), or null when it is fine. */
export function jsonTextProblem(text: string): string | null {
  const error = findJsonSyntaxError(text);
  if (error === null) return null;
  const at = lineColumn(text, error.offset);
  if (error.problem !== undefined) return `at ${at}: ${error.problem}`;
  const found = text[error.offset] === undefined ? 'the end of the text' : echoValue(text[error.offset]);
  return `not JSON at ${at}: expected ${error.expected}, found ${found}`;
}

/** "not JSON at line L, column C: expected X, found Y" for text JSON.parse refused. */
export const jsonSyntaxMessage = (text: string): string => jsonTextProblem(text) ?? 'not JSON';

/** JSON text's value; throws JsonTextError saying where and why the text is refused. */
export function parseJsonText(text: string): unknown {
  const problem = jsonTextProblem(text);
  if (problem !== null) throw new JsonTextError(problem);
  return JSON.parse(text);
}

export class JsonTextError extends Error {
  override name = 'JsonTextError';
}

// C0 and C1 controls, DEL, and the line and paragraph separators: never sent to a terminal raw.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/**
 * A value quoted back in an error message: as JSON (so a string shows its quotes), control
 * characters escaped, and cut to MAX_ECHO characters with how long it was.
 */
export function echoValue(v: unknown, max = MAX_ECHO): string {
  if (v === undefined) return 'nothing';
  let text: string;
  try {
    // NaN and the infinities as themselves, not as JSON's null.
    text = typeof v === 'number' && !Number.isFinite(v) ? String(v) : (JSON.stringify(v) ?? String(v));
  } catch {
    text = Object.prototype.toString.call(v);
  }
  text = text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return text.length <= max ? text : `${text.slice(0, max)}... (${text.length} characters)`;
}
