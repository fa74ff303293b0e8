import Fastify, { type FastifyInstance } from 'fastify';
import { DISK_MODE_UNAVAILABLE, streamingMultipart } from './streaming-multipart';

const BOUNDARY = '----itinera';
const body = [
  `--${BOUNDARY}`,
  'Content-Disposition: form-data; name="file"; filename="note.txt"',
  'Content-Type: text/plain',
  '',
  'hello multipart',
  `--${BOUNDARY}--`,
  '',
].join('\r\n');

describe('streamingMultipart', () => {
  let app: FastifyInstance;
  let hooksAdded: string[];

  beforeEach(async () => {
    app = Fastify();
    hooksAdded = [];
    const addHook = app.addHook.bind(app);
    app.addHook = ((name: string, hook: never) => {
      hooksAdded.push(name);
      return addHook(name as never, hook);
    }) as typeof app.addHook;
    await app.register(streamingMultipart, { limits: { files: 1 } });
    app.post('/upload', async (request) => {
      const part = await request.file();
      let text = '';
      for await (const chunk of part!.file) text += String(chunk);
      return { name: part!.filename, text };
    });
    app.post('/save', async (request) => {
      try {
        await request.saveRequestFiles();
        return { saved: true };
      } catch (error) {
        return { error: (error as Error).message };
      }
    });
    await app.ready();
  });

  afterEach(() => app.close());

  it('adds no hook that runs on every request (the plugin would add an async onResponse one)', () => {
    expect(hooksAdded).toEqual([]);
  });

  it('still parses an upload as a stream', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/upload',
      headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
      payload: body,
    });
    expect(response.json()).toEqual({ name: 'note.txt', text: 'hello multipart' });
  });

  it('refuses disk mode, whose temporary files nothing would clean up', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/save',
      headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
      payload: body,
    });
    expect(response.json()).toEqual({ error: DISK_MODE_UNAVAILABLE });
  });
});
