// The store fails loudly: a file that does not read back as written is an error that names the file
// and what is wrong, never a silently short answer.

export type StoreErrorCode = "store_corrupt" | "store_closed" | "store_invalid";

export class StoreError extends Error {
  override readonly name = "StoreError";
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A checksum, magic, length or encoding that does not hold: the bytes are not what was written. */
export function corrupt(where: string, what: string): StoreError {
  return new StoreError("store_corrupt", `${where}: ${what}`);
}
