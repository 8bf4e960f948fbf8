// Character codes of JSON's grammar, for the scanners that read JSON text without parsing it:
// ingest's event scan (a request's text) and processing's (an envelope's bytes).

export const CHAR = {
  tab: 9,
  newline: 10,
  cr: 13,
  space: 32,
  quote: 34,
  plus: 43,
  comma: 44,
  minus: 45,
  dot: 46,
  zero: 48,
  one: 49,
  nine: 57,
  colon: 58,
  upperE: 69,
  openBracket: 91,
  backslash: 92,
  closeBracket: 93,
  lowerE: 101,
  lowerF: 102,
  lowerN: 110,
  lowerT: 116,
  lowerU: 117,
  openBrace: 123,
  closeBrace: 125,
} as const;

export function isDigit(c: number): boolean {
  return c >= CHAR.zero && c <= CHAR.nine;
}

/** Where the JSON number at `at` ends; -1 when the grammar is broken. */
export function numberEnd(b: Uint8Array, at: number): number {
  let i = at;
  if (b[i] === CHAR.minus) i++;
  if (b[i] === CHAR.zero) i++;
  else if (b[i] >= CHAR.one && b[i] <= CHAR.nine) while (isDigit(b[i])) i++;
  else return -1;
  if (b[i] === CHAR.dot) {
    if (!isDigit(b[++i])) return -1;
    while (isDigit(b[i])) i++;
  }
  if (b[i] === CHAR.lowerE || b[i] === CHAR.upperE) {
    i++;
    if (b[i] === CHAR.plus || b[i] === CHAR.minus) i++;
    if (!isDigit(b[i])) return -1;
    while (isDigit(b[i])) i++;
  }
  return i;
}
