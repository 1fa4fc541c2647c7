import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { createSlackAlerts } from './slack';
import { startFakeSlack, type FakeSlack } from '../../test/fakes/slack';

let slack: FakeSlack;
beforeAll(async () => {
  slack = await startFakeSlack();
});
afterAll(async () => {
  await slack?.close();
});

const silent = pino({ level: 'silent' });

describe('Slack incoming-webhook adapter', () => {
  it('posts the alert text as Slack expects', async () => {
    const alerts = createSlackAlerts({ webhookUrl: slack.url, logger: silent });
    expect(alerts.configured).toBe(true);
    await alerts.post('A student enrolled (user=u1)');
    expect(slack.messages).toContain('A student enrolled (user=u1)');
  });

  it('throws on a Slack error so the activity retries', async () => {
    const alerts = createSlackAlerts({ webhookUrl: slack.url, logger: silent });
    slack.failNext(1);
    await expect(alerts.post('first try')).rejects.toThrow(/500/);
    await alerts.post('second try');
    expect(slack.messages).toContain('second try');
    expect(slack.messages).not.toContain('first try');
  });

  it('logs the alert when no webhook is configured', async () => {
    const lines: string[] = [];
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk, _enc, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    const alerts = createSlackAlerts({ logger });
    expect(alerts.configured).toBe(false);
    await alerts.post('nobody has room');
    expect(lines.join('')).toContain('nobody has room');
  });
});
