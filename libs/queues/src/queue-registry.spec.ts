import { displayNameOf, isKnownJob, JOB_NAMES_BY_QUEUE, QUEUE_NAMES } from './queue-registry';

describe('queue registry', () => {
  it('gives every queue a Redis Cluster hash tag', () => {
    for (const queue of QUEUE_NAMES) expect(queue).toMatch(/^\{[a-z0-9-]+\}$/);
  });

  it('knows registered jobs only', () => {
    expect(isKnownJob('{maintenance}', 'outbox-purge')).toBe(true);
    expect(isKnownJob('{maintenance}', 'nothing')).toBe(false);
    expect(isKnownJob('maintenance', 'outbox-purge')).toBe(false);
  });

  it('uses kebab-case job names', () => {
    for (const jobs of Object.values(JOB_NAMES_BY_QUEUE))
      for (const job of jobs) expect(job).toMatch(/^[a-z]+(-[a-z]+)*$/);
  });

  it('shows queues without the hash tag', () => expect(displayNameOf('{maintenance}')).toBe('maintenance'));
});
