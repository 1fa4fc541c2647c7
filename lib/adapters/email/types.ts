/** One rendered email, ready for a provider. `template` doubles as the provider's tag. */
export interface OutgoingEmail {
  to: string;
  from: string;
  subject: string;
  html: string;
  text: string;
  template: string;
  messageStream?: string;
  /** Derived from workflow id + step; the outbox row is unique on it. */
  idempotencyKey: string;
}

/** The email port: Postmark in production, the database outbox by default. */
export interface EmailSender {
  /** Recorded on the message row (`provider`); optional so test doubles stay small. */
  readonly name?: string;
  send(message: OutgoingEmail): Promise<{ providerMessageId: string }>;
}

/**
 * The provider refused this message for good (inactive recipient, invalid request):
 * retrying cannot help, so the send is recorded as FAILED instead of retried.
 */
export class PermanentEmailError extends Error {
  constructor(
    message: string,
    readonly providerCode: number,
    readonly httpStatus: number,
  ) {
    super(message);
    this.name = 'PermanentEmailError';
  }
}
