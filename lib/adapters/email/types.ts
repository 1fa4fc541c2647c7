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

/** What a sender did with a message; the sendEmail activity records it as the message's status. */
export interface Delivery {
  providerMessageId: string;
  /** Kept on this machine (the outbox) rather than handed to a provider: STORED, not SENT. */
  stored?: boolean;
}

/** The email port: Postmark in production, the database outbox by default. Senders deliver; they never write status. */
export interface EmailSender {
  /** Recorded on the message row (`provider`); optional so test doubles stay small. */
  readonly name?: string;
  send(message: OutgoingEmail): Promise<Delivery>;
  /**
   * The message an earlier, unfinished attempt handed over under this key, if the provider
   * has it (a worker died between the provider's answer and the row's update). Absent:
   * the provider cannot be asked (the outbox needs not: its row is its record).
   */
  findSent?(idempotencyKey: string): Promise<Delivery | undefined>;
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
