/**
 * Finds where JSON text first goes wrong, for error messages: JSON.parse says why but not
 * always where. Returns the character offset and what was expected there, or null when the
 * text is valid JSON.
 */
export interface JsonSyntaxError {
  offset: number;
  expected: string;
}

class Stop {
  constructor(readonly error: JsonSyntaxError) {}
}

export function findJsonSyntaxError(text: string): JsonSyntaxError | null {
  let i = 0;
  const stop = (expected: string): never => {
    throw new Stop({ offset: i, expected });
  };
  const space = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
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
  const number = (): void => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (m === null) stop('a number');
    else i += m[0].length;
  };
  const value = (): void => {
    space();
    const c = text[i];
    if (c === '{') {
      i++;
      space();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        space();
        if (text[i] !== '"') stop('a property name in double quotes');
        string();
        space();
        if (text[i] !== ':') stop('":"');
        i++;
        value();
        space();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return;
        } else stop('"," or "}"');
      }
    } else if (c === '[') {
      i++;
      space();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        space();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return;
        } else stop('"," or "]"');
      }
    } else if (c === '"') string();
    else if (c === 't') literal('true');
    else if (c === 'f') literal('false');
    else if (c === 'n') literal('null');
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) number();
    else stop('a value');
  };
  try {
    value();
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
  const before = text.slice(0, offset);
  return `line ${before.split('\n').length}, column ${offset - before.lastIndexOf('\n')}`;
}

/** "not JSON at line L, column C: expected X, found Y" for text JSON.parse refused. */
export function jsonSyntaxMessage(text: string): string {
  const error = findJsonSyntaxError(text);
  if (error === null) return 'not JSON';
  const found = text[error.offset] === undefined ? 'the end of the text' : JSON.stringify(text[error.offset]);
  return `not JSON at ${lineColumn(text, error.offset)}: expected ${error.expected}, found ${found}`;
}
