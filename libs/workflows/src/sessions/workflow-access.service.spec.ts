import type { Principal } from '@itinera/platform';
import { canManage, creatorOf } from './workflow-access.service';
import { toProgress } from './dto/workflow.response';

const user = (userId: string, role: 'OWNER' | 'ADMIN' | 'MANAGER' | 'MEMBER' | 'VIEWER'): Principal => ({
  kind: 'user',
  userId,
  tenantId: 't',
  role,
  isPlatformAdmin: false,
  via: 'access-token',
});
const key = (apiKeyId: string): Principal => ({ kind: 'api-key', apiKeyId, tenantId: 't', scopes: ['write'] });

describe('who may manage a workflow', () => {
  const byUser = { creatorType: 'USER', creatorId: 'u1' };
  const byKey = { creatorType: 'API_KEY', creatorId: 'k1' };

  it('records users and API keys as different creator types', () => {
    expect(creatorOf(user('u1', 'MEMBER'))).toEqual(byUser);
    expect(creatorOf(key('k1'))).toEqual(byKey);
  });

  it('lets the creator and tenant admins manage, nobody else', () => {
    expect(canManage(user('u1', 'MEMBER'), byUser)).toBe(true);
    expect(canManage(user('u2', 'OWNER'), byUser)).toBe(true);
    expect(canManage(user('u2', 'ADMIN'), byKey)).toBe(true);
    expect(canManage(user('u2', 'MANAGER'), byUser)).toBe(false);
    expect(canManage(user('u2', 'MEMBER'), byUser)).toBe(false);
    expect(canManage(key('k1'), byKey)).toBe(true);
    expect(canManage(key('k2'), byKey)).toBe(false);
    // The same id under the other creator type is someone else.
    expect(canManage(key('u1'), byUser)).toBe(false);
  });
});

describe('progress', () => {
  it('reports whole percentages and whose turn it is', () => {
    expect(toProgress({ totalRecipients: 3, completedRecipients: 1, currentRecipientOrder: 1 })).toEqual({
      total: 3,
      completed: 1,
      currentRecipientOrder: 1,
      percent: 33,
    });
    expect(toProgress({ totalRecipients: 4, completedRecipients: 4, currentRecipientOrder: 4 }).percent).toBe(100);
  });
});
