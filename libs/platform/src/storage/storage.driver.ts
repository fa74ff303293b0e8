import type { Readable } from 'node:stream';

/** How an object is written. */
export interface StoragePutOptions {
  /** The object's media type (kept by S3; the local driver does not record it). */
  contentType: string;
  /** The exact length in bytes when known in advance; lets the S3 driver send the object in one request. */
  size?: number;
}

/**
 * Where attachment contents live: a flat namespace of keys (`a/b/c`, validated by StorageService
 * before any driver sees them) in one bucket. Every method is safe to call again.
 */
export interface StorageDriver {
  /** The bucket name recorded beside each key (`local` for the filesystem driver). */
  readonly bucket: string;
  /** Writes the whole stream under `key`; the object appears only once complete, and nothing is left behind on failure. */
  put(key: string, body: Readable, options: StoragePutOptions): Promise<void>;
  /** The object's bytes; StorageObjectNotFoundError when there is none. */
  get(key: string): Promise<Readable>;
  /** Removes the object; no error when it does not exist. */
  delete(key: string): Promise<void>;
  exists(key: string): Promise<boolean>;
}

/** The object does not exist (never stored, deleted, or purged). */
export class StorageObjectNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`no stored object under ${key}`);
    this.name = 'StorageObjectNotFoundError';
  }
}

/** Injection token of the configured driver. */
export const STORAGE_DRIVER = Symbol('STORAGE_DRIVER');
