import { Injectable } from '@nestjs/common';
import { KeyRing } from '@itinera/platform';

/** A stored ciphertext and the id of the key it is under (also a column, for re-encryption). */
export interface Sealed {
  ciphertext: string;
  keyId: string;
}

/**
 * JSON in and out of AES-256-GCM (the platform KeyRing) with the domain's associated data: a
 * ciphertext is bound to its row (and an entry's to its version), so one copied into another row
 * or another version does not decrypt.
 */
@Injectable()
export class RecordCipher {
  constructor(private readonly keyRing: KeyRing) {}

  get currentKeyId(): string {
    return this.keyRing.currentKeyId;
  }

  seal(value: unknown, aad: string): Sealed {
    return { ciphertext: this.keyRing.encrypt(JSON.stringify(value), aad), keyId: this.keyRing.currentKeyId };
  }

  open<T>(ciphertext: string, aad: string): T {
    return JSON.parse(this.keyRing.decrypt(ciphertext, aad).toString('utf8')) as T;
  }

  /**
   * The same plaintext under the newest key, with the same associated data (key rotation): the
   * bytes are carried over as they are, never parsed, so the value reads back exactly as before.
   */
  reseal(ciphertext: string, aad: string): Sealed {
    return {
      ciphertext: this.keyRing.encrypt(this.keyRing.decrypt(ciphertext, aad), aad),
      keyId: this.keyRing.currentKeyId,
    };
  }
}

/** Associated data of a repository's personal information. */
export const personalInfoAad = (repositoryId: string) => `patient-repository:${repositoryId}`;

/** Associated data of an entry's content at one version (the entry row and its version row share it). */
export const entryAad = (entryId: string, version: number) => `patient-entry:${entryId}:${version}`;
