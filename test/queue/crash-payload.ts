// The payload the crash child appends for a record id: long enough that kills land mid-write.

export function crashPayload(id: string): Buffer {
  return Buffer.from(`${id}|${id.repeat(40)}`);
}
