import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeBase64Text } from "../../src/ingest/base64.js";

/** The rule written out plainly: one alphabet or the other, padding only at the end. */
function reference(text: string): Buffer | undefined {
  const digits = text.replaceAll(" ", "+").replace(/\r?\n/g, "");
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(digits)) return undefined;
  const padding = digits.endsWith("==") ? 2 : digits.endsWith("=") ? 1 : 0;
  if (padding > 0 && digits.length % 4 !== 0) return undefined;
  if ((digits.length - padding) % 4 === 1) return undefined;
  return Buffer.from(digits, "base64");
}

/** What decodeBase64Text must give for the bytes the plain rule decodes. */
function asText(bytes: Buffer | undefined): { text: string; bytes: number } | undefined {
  return bytes === undefined ? undefined : { text: bytes.toString("utf8"), bytes: bytes.length };
}

test("standard, URL-safe, unpadded, wrapped and space-for-plus base64 decode", () => {
  const bytes = Buffer.from([0xfb, 0xff, 0xbf, 0x00, 0x41]);
  for (const text of ["+/+/AEE=", "-_-_AEE=", "-_-_AEE", "+/+/\r\nAEE=", " / /AEE="]) {
    assert.deepEqual(decodeBase64Text(text), asText(bytes), text);
  }
});

test("decoded text is read as UTF-8 whichever alphabet carried it, and counts its bytes", () => {
  const json = JSON.stringify({ event: "Café ☕", properties: { emoji: "😀", latin1: "\u00ff" } });
  const bytes = Buffer.from(json);
  const standard = bytes.toString("base64");
  for (const text of [standard, bytes.toString("base64url"), standard.replaceAll("+", " ")]) {
    assert.deepEqual(decodeBase64Text(text), { text: json, bytes: bytes.length }, text);
  }
  // Bytes that are not UTF-8 read as the replacement character, as Buffer's reading gives them.
  const notUtf8 = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
  assert.deepEqual(decodeBase64Text(notUtf8.toString("base64")), asText(notUtf8));
});

test("whitespace atob would skip is refused, as the plain rule does", () => {
  for (const text of ["QU\tJD", "QUJD\r", "QU\fJD", "\tQUJD"]) {
    assert.equal(decodeBase64Text(text), undefined, JSON.stringify(text));
  }
});

test("anything outside the alphabets is refused, not skipped", () => {
  for (const text of ["QUJD!", "QU JD€", "QUJDŁ", "QQ==QQ==", "QUJD=", "Q", "QUJDR", "QU\u0000JD", "QUJ.D"]) {
    assert.equal(decodeBase64Text(text), undefined, JSON.stringify(text));
  }
});

test("agrees with the plain rule on 200,000 random texts", () => {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-";
  const odd = ["=", "==", " ", "\t", "\n", "\r", "!", "é", "\u0000", "%", "€", "😀", "Ł", "\u00ff", "A="];
  let seed = 20261127;
  const random = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x80000000;
  };
  const pick = (s: string | readonly string[]) => s[Math.floor(random() * s.length)];
  let valid = 0;
  for (let i = 0; i < 200_000; i++) {
    let text = "";
    for (let n = Math.floor(random() * 24); n > 0; n--) text += pick(alphabet);
    for (let n = random() < 0.5 ? 0 : 1 + Math.floor(random() * 2); n > 0; n--) {
      const at = Math.floor(random() * (text.length + 1));
      text = text.slice(0, at) + pick(odd) + text.slice(at);
    }
    if (random() < 0.3) text += random() < 0.5 ? "=" : "==";
    const expected = reference(text);
    if (expected !== undefined) valid++;
    assert.deepEqual(decodeBase64Text(text), asText(expected), JSON.stringify(text));
  }
  // Both outcomes were exercised, not only refusals.
  assert.ok(valid > 20_000, `${valid} valid texts`);
});
