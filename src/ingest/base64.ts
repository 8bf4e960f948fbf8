// The `data` parameter's base64, as SDKs really send it: standard or URL-safe alphabet, padded or
// not, sometimes wrapped in lines, and from the Node SDK's form POST not URL-encoded at all — so a
// `+` arrives as a space. Anything else is refused rather than decoded into garbage, which
// Buffer.from alone would do (it skips characters it does not know).

/** The decoded bytes, or undefined when `text` is not base64. */
export function decodeBase64(text: string): Buffer | undefined {
  let digits = text;
  if (digits.includes(" ")) digits = digits.replaceAll(" ", "+");
  if (digits.includes("\n") || digits.includes("\r")) digits = digits.replace(/\r?\n/g, "");
  const padding = digits.endsWith("==") ? 2 : digits.endsWith("=") ? 1 : 0;
  if (padding > 0 && digits.length % 4 !== 0) return undefined;
  // A lone digit after the last full group carries 6 bits: not even one byte.
  if ((digits.length - padding) % 4 === 1) return undefined;
  // Buffer.from skips a character outside both alphabets, stops at a `=` inside, and keeps only
  // the low byte of one past latin1: ASCII only, and every digit must have counted. (A regular
  // expression over the text did the same check in twice the time.)
  if (Buffer.byteLength(digits) !== digits.length) return undefined;
  const bytes = Buffer.from(digits, "base64");
  return bytes.length === ((digits.length - padding) * 3) >> 2 ? bytes : undefined;
}
