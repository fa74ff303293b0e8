import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes, randomUUID } from 'node:crypto';
import { API_KEY_SCHEME } from '@itinera/platform';

/**
 * Walking the running API's OpenAPI document (GET /docs-json), for the security tests: every
 * operation it lists at run time, with its path filled in and a minimal body built from its
 * schema, so routes added later are covered without touching the tests.
 */

export const HTTP_METHODS = ['get', 'put', 'post', 'patch', 'delete'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  minItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  example?: unknown;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
}

export interface OpenApiOperation {
  operationId?: string;
  parameters?: Parameter[];
  requestBody?: {
    required?: boolean;
    content?: Record<string, { schema?: Schema; example?: unknown; examples?: Record<string, { value?: unknown }> }>;
  };
  security?: Record<string, string[]>[];
}

export interface OpenApiDocument {
  paths: Record<string, Partial<Record<HttpMethod, OpenApiOperation>>>;
  components?: { schemas?: Record<string, Schema> };
}

export interface Operation {
  method: HttpMethod;
  /** The OpenAPI path template, e.g. /api-keys/{id}. */
  path: string;
  op: OpenApiOperation;
  /** "DELETE /api-keys/{id}", for messages. */
  label: string;
}

export async function loadOpenApi(app: NestFastifyApplication): Promise<OpenApiDocument> {
  const response = await app.inject({ method: 'GET', url: '/docs-json' });
  if (response.statusCode !== 200) throw new Error(`GET /docs-json answered ${response.statusCode}`);
  return response.json<OpenApiDocument>();
}

export function operationsOf(doc: OpenApiDocument): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (op) operations.push({ method, path, op, label: `${method.toUpperCase()} ${path}` });
    }
  }
  return operations;
}

/** `security: []`: the operation declares that it needs no credentials. */
export const isPublic = (o: Operation) => Array.isArray(o.op.security) && o.op.security.length === 0;
export const acceptsApiKey = (o: Operation) => (o.op.security ?? []).some((s) => API_KEY_SCHEME in s);
/** The platform operators' surface: platform administrators only. */
export const isPlatformAdminPath = (path: string) => path === '/admin' || path.startsWith('/admin/');

/** A parameter or property that names a resource by id: `id`, `userId`, `tenantId`, or a uuid-typed one. */
export const isIdLike = (name: string, schema?: Schema) => /id$/i.test(name) || schema?.format === 'uuid';

export const paramsIn = (o: Operation, where: Parameter['in']) => (o.op.parameters ?? []).filter((p) => p.in === where);

/** The path with each `{name}` replaced by `values(name)`, URL-encoded. */
export function fillPath(path: string, value: (name: string) => string): string {
  return path.replace(/\{([^}]+)\}/g, (_m, name: string) => encodeURIComponent(value(name)));
}

export function withQuery(url: string, query: Record<string, string>): string {
  const search = new URLSearchParams(query).toString();
  return search ? `${url}?${search}` : url;
}

export function resolve(doc: OpenApiDocument, schema: Schema): Schema {
  let current = schema;
  for (let depth = 0; current.$ref && depth < 20; depth++) {
    const name = current.$ref.replace(/^#\/components\/schemas\//, '');
    const target = doc.components?.schemas?.[name];
    if (!target) throw new Error(`unresolved $ref ${current.$ref}`);
    current = target;
  }
  if (current.allOf) {
    const parts = current.allOf.map((s) => resolve(doc, s));
    // `allOf: [{ $ref: SomeEnum }]` is how a described reference to a shared enum is written.
    if (parts.length === 1 && parts[0].type !== 'object') return parts[0];
    return {
      type: 'object',
      properties: Object.assign({}, ...parts.map((p) => p.properties ?? {})),
      required: parts.flatMap((p) => p.required ?? []),
    };
  }
  const alternatives = current.oneOf ?? current.anyOf;
  return alternatives?.length ? resolve(doc, alternatives[0]) : current;
}

/**
 * A valid JSON body for the operation: its documented request example when it has one (some
 * bodies are valid only as a whole, e.g. a vital sign's value or pressures by type), else one built
 * from the schema; `override` replaces top-level fields either way (the walks put ids there).
 */
export function exampleBody(
  doc: OpenApiDocument,
  o: Operation,
  override: (name: string, schema: Schema) => unknown = () => undefined,
): unknown {
  const schema = jsonBodySchema(doc, o);
  if (!schema) return undefined;
  const media = o.op.requestBody?.content?.['application/json'];
  const documented = media?.example ?? Object.values(media?.examples ?? {})[0]?.value;
  if (!documented || typeof documented !== 'object' || Array.isArray(documented)) {
    return exampleValue(doc, schema, override);
  }
  const body: Record<string, unknown> = { ...(documented as Record<string, unknown>) };
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    const given = override(name, resolve(doc, property));
    if (given !== undefined) body[name] = given;
  }
  return body;
}

/** The JSON body schema of an operation, resolved; undefined when it takes no JSON body. */
export function jsonBodySchema(doc: OpenApiDocument, o: Operation): Schema | undefined {
  const schema = o.op.requestBody?.content?.['application/json']?.schema;
  return schema ? resolve(doc, schema) : undefined;
}

/** Top-level properties of a body that name a resource by id (see isIdLike). */
export function idProperties(doc: OpenApiDocument, schema: Schema | undefined): string[] {
  if (!schema?.properties) return [];
  return Object.entries(schema.properties)
    .filter(([name, property]) => isIdLike(name, resolve(doc, property)))
    .map(([name]) => name);
}

/**
 * A plausible value for `schema`, as small as the schema allows: required properties only, first
 * enum member, minimum lengths and counts. `override(name)` may supply a property's value.
 */
export function exampleValue(
  doc: OpenApiDocument,
  schema: Schema,
  override: (name: string, schema: Schema) => unknown = () => undefined,
): unknown {
  const s = resolve(doc, schema);
  if (s.enum?.length) return s.example !== undefined && s.enum.includes(s.example) ? s.example : s.enum[0];
  switch (s.type) {
    case 'object':
    case undefined: {
      if (!s.properties) return {};
      const body: Record<string, unknown> = {};
      for (const [name, property] of Object.entries(s.properties)) {
        const given = override(name, resolve(doc, property));
        if (given !== undefined) body[name] = given;
        else if (s.required?.includes(name)) body[name] = exampleValue(doc, property, override);
      }
      return body;
    }
    case 'array':
      return Array.from({ length: Math.max(s.minItems ?? 1, 1) }, () =>
        s.items ? exampleValue(doc, s.items, override) : 'x',
      );
    case 'integer':
    case 'number':
      return Math.min(s.minimum ?? 1, s.maximum ?? Number.MAX_SAFE_INTEGER);
    case 'boolean':
      return true;
    default:
      return exampleString(s);
  }
}

function exampleString(s: Schema): string {
  const hex = randomBytes(5).toString('hex');
  // A documented example is valid by construction (a country code, a date of birth or a
  // measurement in the past), which the generic values below may not be; ids, emails and URLs stay
  // generated so that they are fresh, and instants without an example default to tomorrow (expiry).
  if (typeof s.example === 'string' && s.format !== 'uuid' && s.format !== 'email' && s.format !== 'uri')
    return s.example;
  switch (s.format) {
    case 'uuid':
      return randomUUID();
    case 'email':
      return `walker-${hex}@example.test`;
    case 'date-time':
      return new Date(Date.now() + 86_400_000).toISOString();
    case 'date':
      return new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    case 'uri':
    case 'url':
      return `https://example.test/${hex}`;
  }
  const candidates = [`walker-${hex}`, `walker${hex}`, hex, 'a', '1'];
  const pattern = s.pattern ? new RegExp(s.pattern) : undefined;
  let value = candidates.find((c) => !pattern || pattern.test(c)) ?? candidates[0];
  if (s.minLength && value.length < s.minLength) value = value.padEnd(s.minLength, 'a');
  if (s.maxLength && value.length > s.maxLength) value = value.slice(0, s.maxLength);
  return value;
}

/** The fields of a problem-details answer these tests look at. */
export function problemOf(body: string): { code?: string; detail?: string; status?: number } {
  try {
    const parsed = JSON.parse(body) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as { code?: string; detail?: string }) : {};
  } catch {
    return {};
  }
}

/** Fastify's answer for a path no route matches (as opposed to a route that found no resource). */
export const isRouteMiss = (body: string) => /^Cannot [A-Z]+ /.test(problemOf(body).detail ?? '');

/**
 * A small seeded generator (mulberry32), so a failing random walk can be replayed: the tests print
 * their seed and take SECURITY_TEST_SEED to repeat it.
 */
export class SeededRandom {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    if (!items.length) throw new Error('pick from an empty list');
    return items[this.int(items.length)];
  }

  shuffle<T>(items: readonly T[]): T[] {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [copy[i], copy[j]] = [copy[j], copy[i]];
    }
    return copy;
  }
}

/** SECURITY_TEST_SEED when set (to replay a run), a fresh seed otherwise. */
export function testSeed(): number {
  const given = process.env.SECURITY_TEST_SEED;
  return given ? Number(given) >>> 0 : randomBytes(4).readUInt32BE(0);
}
