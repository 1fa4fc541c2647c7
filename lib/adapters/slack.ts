import type { Logger } from '../logger';

/** Where admin alerts go: a Slack incoming webhook, else the log. */
export interface AdminAlertSink {
  readonly configured: boolean;
  post(text: string): Promise<void>;
}

/**
 * Slack incoming-webhook adapter: one JSON POST per alert. A non-2xx answer throws
 * so the calling activity retries; with no webhook configured alerts go to the log.
 */
export function createSlackAlerts(options: {
  webhookUrl?: string;
  logger: Logger;
  timeoutMs?: number;
}): AdminAlertSink {
  const { webhookUrl, logger } = options;
  if (!webhookUrl) {
    return {
      configured: false,
      async post(text) {
        logger.warn({ alert: text }, 'admin alert (no Slack webhook configured)');
      },
    };
  }
  return {
    configured: true,
    async post(text) {
      const res = await fetch(webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      const answer = await res.text();
      if (!res.ok) throw new Error(`Slack webhook answered ${res.status}: ${answer.slice(0, 100)}`);
    },
  };
}
