import Ajv from 'ajv';
import addFormats from 'ajv-formats';

/** Largest serialized JSON Schema a CUSTOM recipient may carry. */
export const FORM_SCHEMA_MAX_BYTES = 16 * 1024;

// One compiler for the checks; each schema is removed again after compiling, so the cache does not
// grow with every workflow and a schema's `$id` never collides with an earlier one's.
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);

/** Why `schema` cannot be a form schema (too big, or ajv 8 refuses to compile it), or null when it can. */
export function formSchemaProblem(schema: Record<string, unknown>): string | null {
  const size = Buffer.byteLength(JSON.stringify(schema));
  if (size > FORM_SCHEMA_MAX_BYTES) return `must be at most ${FORM_SCHEMA_MAX_BYTES} bytes serialized (is ${size})`;
  try {
    ajv.compile(schema);
    return null;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return `is not a valid JSON Schema: ${message.slice(0, 200)}`;
  } finally {
    try {
      ajv.removeSchema(schema);
    } catch {
      // nothing was added
    }
  }
}
