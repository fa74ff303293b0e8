import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { apiDocument } from '../../apps/api/src/api-app';
import { startApi } from '../support/test-apps';

const CATEGORIES: [segment: string, operation: string, schema: string][] = [
  ['diagnoses', 'Diagnoses', 'Diagnosis'],
  ['medications', 'Medications', 'Medication'],
  ['allergies', 'Allergies', 'Allergy'],
  ['vital-signs', 'VitalSigns', 'VitalSign'],
  ['procedures', 'Procedures', 'Procedure'],
  ['immunizations', 'Immunizations', 'Immunization'],
  ['family-history', 'FamilyHistory', 'FamilyHistory'],
];

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

describe('OpenAPI of the entry routes: one typed set of schemas and operation ids per category', () => {
  let app: NestFastifyApplication;
  let document: ReturnType<typeof apiDocument>;
  beforeAll(async () => {
    app = await startApi();
    document = apiDocument(app);
  });
  afterAll(() => app.close());

  it.each(CATEGORIES)('%s has its own operations, request bodies and responses', (segment, operation, schema) => {
    const collection = document.paths[`/patient-repositories/{id}/${segment}`] as any;
    const item = document.paths[`/patient-repositories/{id}/${segment}/{entryId}`] as any;
    const history = document.paths[`/patient-repositories/{id}/${segment}/{entryId}/history`] as any;
    expect(
      [collection.post, collection.get, item.get, item.put, item.delete, history.get].map((o) => o.operationId),
    ).toEqual(['create', 'list', 'get', 'update', 'remove', 'history'].map((m) => `${operation}_${m}`));
    expect(collection.post.requestBody.content['application/json'].schema).toEqual(ref(`Create${schema}Dto`));
    expect(item.put.requestBody.content['application/json'].schema).toEqual(ref(`Update${schema}Dto`));
    expect(collection.post.responses['201'].content['application/json'].schema).toEqual(ref(`${schema}EntryResponse`));
    expect(collection.get.responses['200'].content['application/json'].schema.properties.data.items).toEqual(
      ref(`${schema}EntryResponse`),
    );
    expect(history.get.responses['200'].content['application/json'].schema.properties.data.items).toEqual(
      ref(`${schema}EntryVersionResponse`),
    );
    expect(item.put.responses['409']).toBeDefined();
    expect(item.put.parameters).toContainEqual(
      expect.objectContaining({ name: 'if-match', in: 'header', required: false }),
    );
    const schemas = document.components!.schemas as any;
    expect(schemas[`Update${schema}Dto`].properties.expectedVersion).toMatchObject({ type: 'integer', minimum: 1 });
    expect(schemas[`Create${schema}Dto`].properties.expectedVersion).toBeUndefined();
  });

  it('documents the vital-sign content with its derived LOINC code and unit, and the export as a Bundle', () => {
    const schemas = document.components!.schemas as any;
    expect(schemas.VitalSignContentResponse.required).toEqual(expect.arrayContaining(['loincCode', 'unit']));
    expect(schemas.CreateVitalSignDto.properties.loincCode).toBeUndefined();
    const exportOperation = (document.paths['/patient-repositories/{id}/export'] as any).get;
    expect(exportOperation.responses['200'].content['application/fhir+json'].schema).toEqual(ref('FhirBundleResponse'));
    expect(exportOperation.parameters).toContainEqual(
      expect.objectContaining({ name: 'categories', style: 'form', explode: false }),
    );
  });
});
