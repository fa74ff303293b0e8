import type { ConsentGrant } from '@prisma/client';
import { isLive, toConsentGrantResponse } from './consent-grant.response';

describe('consent grant responses', () => {
  const now = new Date('2026-11-27T12:00:00.000Z');
  const grant: ConsentGrant = {
    id: '6f1c2b8e-3d4a-4b5c-9e8f-0a1b2c3d4e5f',
    tenantId: '1b7c4a5e-6f1d-4e2a-9c3b-1a2b3c4d5e6f',
    repositoryId: '0b7c4a5e-6f1d-4e2a-9c3b-1a2b3c4d5e6f',
    specialistUserId: '2c7c4a5e-6f1d-4e2a-9c3b-1a2b3c4d5e6f',
    scopes: ['PERSONAL_INFO', 'ALLERGIES'],
    purpose: 'TREAT',
    periodStart: new Date('2026-11-27T00:00:00.000Z'),
    periodEnd: new Date('2026-11-28T00:00:00.000Z'),
    status: 'ACTIVE',
    revokedAt: null,
    revokeReason: 'moved away',
    expiredAt: null,
    createdBy: '3d7c4a5e-6f1d-4e2a-9c3b-1a2b3c4d5e6f',
    createdAt: now,
    updatedAt: now,
  };

  it('is live only while ACTIVE and inside its period (start inclusive, end exclusive)', () => {
    expect(isLive(grant, now)).toBe(true);
    expect(isLive(grant, grant.periodStart)).toBe(true);
    expect(isLive(grant, grant.periodEnd)).toBe(false);
    expect(isLive(grant, new Date(grant.periodStart.getTime() - 1))).toBe(false);
    expect(isLive({ ...grant, status: 'REVOKED' }, now)).toBe(false);
    expect(isLive({ ...grant, status: 'EXPIRED' }, now)).toBe(false);
  });

  it('shows the FHIR Consent provision: permit, period, the specialist as recipient, purpose, resource types', () => {
    expect(toConsentGrantResponse(grant, 'patient', now).provision).toEqual({
      type: 'permit',
      period: { start: grant.periodStart, end: grant.periodEnd },
      actor: [
        {
          role: {
            coding: [
              {
                system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
                code: 'IRCP',
                display: 'information recipient',
              },
            ],
          },
          reference: { reference: `Practitioner/${grant.specialistUserId}` },
        },
      ],
      purpose: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'TREAT', display: 'treatment' }],
      class: [
        { system: 'http://hl7.org/fhir/resource-types', code: 'Patient' },
        { system: 'http://hl7.org/fhir/resource-types', code: 'AllergyIntolerance' },
      ],
    });
  });

  it("keeps the patient's revocation reason from the specialist", () => {
    expect(toConsentGrantResponse(grant, 'patient', now).revokeReason).toBe('moved away');
    expect(toConsentGrantResponse(grant, 'specialist', now).revokeReason).toBeNull();
  });
});
