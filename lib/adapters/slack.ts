import type { Logger } from '../logger';

/** Where admin alerts go: a Slack incoming webhook, else the log. */
export interface AdminAlertSink {
  readonly configured: boolean;
  /** How long one post may wait for Slack's answer. */
  readonly timeoutMs: number;
  post(text: string): Promise<void>;
}

/**
 * Slack refused the post for good: a 4xx other than 408/429 (revoked webhook `no_service`,
 * archived channel, `invalid_payload`). Retrying cannot help.
 */
export class SlackRejectedError extends Error {
  constructor(readonly status: number) {
    super(`Slack webhook refused the post (HTTP ${status})`);
    this.name = 'SlackRejectedError';
  }
}

const isPermanent = (status: number) => status >= 400 && status < 500 && status !== 408 && status !== 429;

/**
 * Slack incoming-webhook adapter: one JSON POST per alert. A 4xx throws SlackRejectedError
 * (permanent); a 5xx, 408, 429, network error or timeout throws a plain error, for the
 * activity to retry. With no webhook configured alerts go to the log. Slack's answer body
 * is not echoed: the webhook URL is a secret and its errors name nothing useful.
 */
export function createSlackAlerts(options: {
  webhookUrl?: string;
  logger: Logger;
  timeoutMs?: number;
}): AdminAlertSink {
  const { webhookUrl, logger } = options;
  const timeoutMs = options.timeoutMs ?? 10_000;
  if (!webhookUrl) {
    return {
      configured: false,
      timeoutMs,
      async post(text) {
        logger.warn({ alert: text }, 'admin alert (no Slack webhook configured)');
      },
    };
  }
  return {
    configured: true,
    timeoutMs,
    async post(text) {
      const res = await fetch(webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      await res.arrayBuffer();
      if (res.ok) return;
      if (isPermanent(res.status)) throw new SlackRejectedError(res.status);
      throw new Error(`Slack webhook answered ${res.status}`);
    },
  };
}
