import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { createSlackAlerts, SlackRejectedError } from './slack';
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

describe('Slack failure classification', () => {
  afterAll(() => slack.answerAlways(undefined));

  it.each([400, 403, 404, 410])(
    'a %i (revoked webhook, archived channel, bad payload) is permanent',
    async (status) => {
      const alerts = createSlackAlerts({ webhookUrl: slack.url, logger: silent });
      slack.answerAlways(status);
      const error = await alerts.post('refused').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SlackRejectedError);
      expect((error as SlackRejectedError).status).toBe(status);
      expect((error as Error).message).not.toContain(slack.url);
    },
  );

  it.each([429, 500, 503])('a %i is transient (a plain error, for a retry)', async (status) => {
    const alerts = createSlackAlerts({ webhookUrl: slack.url, logger: silent });
    slack.answerAlways(status);
    const error = await alerts.post('later').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(SlackRejectedError);
    expect((error as Error).message).toContain(String(status));
  });

  it('a Slack that does not answer within the timeout is transient', async () => {
    slack.answerAlways(undefined);
    const alerts = createSlackAlerts({ webhookUrl: slack.url, logger: silent, timeoutMs: 100 });
    slack.delayNext(1, 1_000);
    const error = await alerts.post('slow').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(SlackRejectedError);
  });
});
