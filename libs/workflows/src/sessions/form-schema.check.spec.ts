import { formSchemaProblem } from './form-schema.check';

describe('formSchemaProblem', () => {
  it('accepts a schema ajv compiles, twice with the same $id', () => {
    const schema = {
      $id: 'https://example.test/form',
      type: 'object',
      properties: { a: { type: 'string', format: 'email' } },
    };
    expect(formSchemaProblem(schema)).toBeNull();
    expect(formSchemaProblem({ ...schema })).toBeNull();
  });

  it('refuses a schema that does not compile', () => {
    expect(formSchemaProblem({ type: 'nonsense' })).toMatch(/not a valid JSON Schema/);
    expect(formSchemaProblem({ type: 'object', properties: { a: { minLength: 'x' } } })).toMatch(/not a valid/);
  });

  it('refuses a schema over 16 KiB', () => {
    expect(formSchemaProblem({ description: 'x'.repeat(17_000) })).toMatch(/at most 16384 bytes/);
  });
});
