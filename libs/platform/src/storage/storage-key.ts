/** One path segment of a key: no separators, no dot-only names, nothing a filesystem or URL treats specially. */
const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

/** The longest key (the attachments table's s3_key column). */
export const STORAGE_KEY_MAX_LENGTH = 500;

/**
 * Checks a storage key before any driver sees it: relative, `/`-separated segments of safe
 * characters, none empty, `.` or `..`, so no key can reach outside the storage root or bucket prefix.
 * Throws a plain Error (a key is made by code, never taken from a client).
 */
export function assertValidStorageKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0 || key.length > STORAGE_KEY_MAX_LENGTH) {
    throw new Error(`invalid storage key: length must be 1..${STORAGE_KEY_MAX_LENGTH}`);
  }
  for (const segment of key.split('/')) {
    if (!SEGMENT.test(segment) || segment === '.' || segment === '..') {
      throw new Error(`invalid storage key ${JSON.stringify(key.slice(0, 100))}`);
    }
  }
}
