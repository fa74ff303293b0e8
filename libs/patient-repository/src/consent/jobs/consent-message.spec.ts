import { consentMessage, type ConsentMessageFacts } from './consent-message';

describe('consentMessage', () => {
  const facts: ConsentMessageFacts = {
    grantId: '6f1c2b8e-3d4a-4b5c-9e8f-0a1b2c3d4e5f',
    repositoryId: '0b7c4a5e-6f1d-4e2a-9c3b-1a2b3c4d5e6f',
    scopes: ['VITAL_SIGNS', 'FAMILY_HISTORY'],
    purpose: 'ETREAT',
    periodStart: new Date('2026-11-27T10:00:00.000Z'),
    periodEnd: new Date('2026-12-27T10:00:00.000Z'),
  };

  it.each(['granted', 'revoked', 'expired'] as const)(
    'says what a %s grant covers, by ids, categories and period',
    (kind) => {
      const message = consentMessage(kind, facts, 'https://api.example.test/');
      expect(message.subject).toMatch(/^A /);
      expect(message.text).toContain(`Repository: ${facts.repositoryId}`);
      expect(message.text).toContain(`Grant: ${facts.grantId}`);
      expect(message.text).toContain('Scopes: vital signs, family history');
      expect(message.text).toContain('Purpose: ETREAT (emergency treatment)');
      expect(message.text).toContain('Period: 2026-11-27T10:00:00.000Z to 2026-12-27T10:00:00.000Z');
      expect(message.text).toContain('https://api.example.test/specialist/consent-grants');
      expect(message.text).not.toContain('.test//');
    },
  );

  it('links the record only when the specialist may now read it', () => {
    const record = 'https://api.example.test/patient-repositories/0b7c4a5e-6f1d-4e2a-9c3b-1a2b3c4d5e6f';
    expect(consentMessage('granted', facts, 'https://api.example.test').text).toContain(record);
    expect(consentMessage('revoked', facts, 'https://api.example.test').text).not.toContain(record);
  });

  it('names an unknown purpose code as it is', () => {
    expect(consentMessage('granted', { ...facts, purpose: 'OLDCODE' }, 'https://x.test').text).toContain(
      'Purpose: OLDCODE\n',
    );
  });
});
