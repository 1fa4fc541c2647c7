import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import type { CohortActivities } from '../../activities/index';
import type { AdminAlert } from '../../activities/alerts';
import {
  onboarding,
  onboardingStatus,
  paymentNotified,
  paymentReversed,
  type OnboardingInput,
} from '../../workflows/onboarding';
import { installTestRuntime } from '../helpers/stack';
import { createTimeSkippingEnv } from '../helpers/time-skipping';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  installTestRuntime();
  env = await createTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

const DAY = 86_400_000;
const input = (userId: string): OnboardingInput => ({
  userId,
  track: 'DP',
  checkoutExpiryMs: DAY,
  trainerRetryMs: 15 * 60_000,
});

/** Fake activities that record what the saga asked for. */
function fakes(options: { trainers?: (string | null)[]; completedAtStripe?: string } = {}) {
  const calls: string[] = [];
  const alerts: AdminAlert[] = [];
  const trainers = [...(options.trainers ?? ['trainer-1'])];
  const activities: Partial<CohortActivities> = {
    loadEnrollment: async () => {
      calls.push('loadEnrollment');
      return null;
    },
    verifyCheckoutSession: async ({ sessionId }) => {
      calls.push('verify');
      if (sessionId.startsWith('cs_wrong'))
        return { outcome: 'wrong-price', amountCents: 90, currency: 'eur', paymentIntentId: `pi_${sessionId}` };
      return { outcome: 'paid', amountCents: 100, currency: 'eur', paymentIntentId: `pi_${sessionId}` };
    },
    recordPayment: async ({ sessionId }) => {
      calls.push('recordPayment');
      return { paymentId: sessionId === 'cs_1' ? 'payment-1' : `payment-${sessionId}`, trackName: 'Data Professional' };
    },
    enrollStudent: async () => {
      calls.push('enroll');
      return {
        enrollmentId: 'enrollment-1',
        status: 'ENROLLED',
        trainerId: null,
        paymentVerified: true,
        trackName: 'Data Professional',
        mustSetPassword: false,
      };
    },
    assignTrainer: async () => {
      calls.push('assignTrainer');
      return { trainerId: trainers.length > 1 ? trainers.shift()! : trainers[0]! };
    },
    unlockFirstProject: async () => {
      calls.push('unlock');
      return { projectId: 'project-1', projectTitle: 'SQL Foundations', newlyUnlocked: true };
    },
    sendEmail: async (email) => {
      calls.push(`email:${email.template}`);
      return { emailMessageId: email.idempotencyKey, status: 'STORED' };
    },
    postSlackAlert: async (alert) => {
      alerts.push(alert);
      return { status: 'POSTED' };
    },
    emailAdminAlert: async () => ({ status: 'STORED' }),
    expireCheckoutSession: async () => {
      calls.push('expireAtStripe');
      return { completedSessionId: options.completedAtStripe ?? null };
    },
    expireCheckout: async () => {
      calls.push('expire');
    },
    suspendForPaymentReversal: async () => {
      calls.push('suspend');
      return { suspended: true };
    },
  };
  activities.refundPayment = async (input) => {
    calls.push(`refund:${input.paymentId}:${input.idempotencyKey}`);
    return { refundId: 're_1' };
  };
  activities.attachLatePayment = async (input) => {
    calls.push(`attach:${input.paymentId}`);
    return { attached: false };
  };
  return { calls, alerts, activities };
}

async function withWorker<T>(
  activities: Partial<CohortActivities>,
  taskQueue: string,
  run: () => Promise<T>,
): Promise<T> {
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    activities,
    workflowBundle: { codePath: inject('workflowBundlePath') },
  });
  return worker.runUntil(run());
}

describe('onboarding workflow (time skipping)', () => {
  it('closes an unpaid checkout after 24 hours', async () => {
    const { calls, activities } = fakes();
    const taskQueue = 'onb-expiry';
    const result = await withWorker(activities, taskQueue, () =>
      env.client.workflow.execute(onboarding, { workflowId: 'onboarding:u1:DP', taskQueue, args: [input('u1')] }),
    );
    expect(result.phase).toBe('EXPIRED');
    // Closed at Stripe first, so nobody pays after the saga gave up.
    expect(calls).toEqual(['loadEnrollment', 'expireAtStripe', 'expire']);
  });

  it('enrolls on payment, suspends on a later dispute, and ends after the dispute window', async () => {
    const { calls, alerts, activities } = fakes();
    const taskQueue = 'onb-paid';
    const result = await withWorker(activities, taskQueue, async () => {
      const handle = await env.client.workflow.start(onboarding, {
        workflowId: 'onboarding:u2:DP',
        taskQueue,
        args: [input('u2')],
      });
      await env.sleep(DAY / 2);
      await handle.signal(paymentNotified, { sessionId: 'cs_1', eventId: 'evt_1' });
      await handle.signal(paymentNotified, { sessionId: 'cs_1', eventId: 'evt_1' }); // duplicate
      for (let i = 0; (await handle.query(onboardingStatus)).phase !== 'ENROLLED'; i++) {
        if (i > 100) throw new Error('not enrolled');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await env.sleep(30 * DAY);
      await handle.signal(paymentReversed, { kind: 'dispute', eventId: 'evt_2', paymentIntentId: 'pi_1' });
      return handle.result();
    });
    expect(result).toMatchObject({
      phase: 'SUSPENDED',
      enrollmentId: 'enrollment-1',
      trainerId: 'trainer-1',
      paymentId: 'payment-1',
    });
    expect(calls).toEqual([
      'loadEnrollment',
      'verify',
      'recordPayment',
      'enroll',
      'assignTrainer',
      'unlock',
      'email:welcome',
      'suspend',
    ]);
    expect(alerts.map((a) => a.kind)).toEqual(['student-enrolled', 'payment-reversed']);
  });

  it('keeps retrying trainer assignment on a backing-off timer until a seat frees up', async () => {
    const { calls, alerts, activities } = fakes({ trainers: [null, null, null, 'trainer-9'] });
    const taskQueue = 'onb-trainer';
    const result = await withWorker(activities, taskQueue, async () => {
      const handle = await env.client.workflow.start(onboarding, {
        workflowId: 'onboarding:u3:DP',
        taskQueue,
        args: [input('u3')],
      });
      await handle.signal(paymentNotified, { sessionId: 'cs_3' });
      return handle.result();
    });
    expect(result.trainerId).toBe('trainer-9');
    expect(calls.filter((c) => c === 'assignTrainer')).toHaveLength(4);
    // Alerts run beside the saga once the enrollment is settled, so their order is not fixed.
    expect(alerts.map((a) => a.kind).sort()).toEqual(['no-trainer-capacity', 'student-enrolled', 'trainer-assigned']);
  });

  it('verifies and enrolls a session paid at the last moment rather than expiring it', async () => {
    const { calls, activities } = fakes({ completedAtStripe: 'cs_1' });
    const taskQueue = 'onb-last-moment';
    const result = await withWorker(activities, taskQueue, () =>
      env.client.workflow.execute(onboarding, { workflowId: 'onboarding:u4:DP', taskQueue, args: [input('u4')] }),
    );
    expect(result).toMatchObject({ phase: 'ENROLLED', paymentId: 'payment-1' });
    expect(calls.slice(0, 5)).toEqual(['loadEnrollment', 'expireAtStripe', 'verify', 'recordPayment', 'enroll']);
    expect(calls).not.toContain('expire');
  });

  it('refunds a session paid at the wrong price, keeps waiting, and enrolls on a correct payment', async () => {
    const { calls, alerts, activities } = fakes();
    const taskQueue = 'onb-wrong-price';
    const result = await withWorker(activities, taskQueue, async () => {
      const handle = await env.client.workflow.start(onboarding, {
        workflowId: 'onboarding:u5:DP',
        taskQueue,
        args: [input('u5')],
      });
      await handle.signal(paymentNotified, { sessionId: 'cs_wrong_1' });
      await handle.signal(paymentNotified, { sessionId: 'cs_1' });
      return handle.result();
    });
    expect(result).toMatchObject({ phase: 'ENROLLED', paymentId: 'payment-1' });
    expect(calls.slice(0, 6)).toEqual([
      'loadEnrollment',
      'verify',
      'recordPayment',
      'refund:payment-cs_wrong_1:onboarding:u5:DP:refund:cs_wrong_1',
      'verify',
      'recordPayment',
    ]);
    expect(alerts.map((a) => a.kind).sort()).toEqual(['student-enrolled', 'wrong-price-refunded']);
    expect(alerts[0]!.refs).toMatchObject({ session: 'cs_wrong_1', payment: 'payment-cs_wrong_1' });
  });

  it('refunds a second payment for a track already paid and alerts once', async () => {
    const { calls, alerts, activities } = fakes();
    const taskQueue = 'onb-duplicate';
    const result = await withWorker(activities, taskQueue, async () => {
      const handle = await env.client.workflow.start(onboarding, {
        workflowId: 'onboarding:u6:DP',
        taskQueue,
        args: [input('u6')],
      });
      await handle.signal(paymentNotified, { sessionId: 'cs_1' });
      for (let i = 0; (await handle.query(onboardingStatus)).phase !== 'ENROLLED'; i++) {
        if (i > 100) throw new Error('not enrolled');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await handle.signal(paymentNotified, { sessionId: 'cs_2' });
      return handle.result();
    });
    expect(result).toMatchObject({ phase: 'ENROLLED', paymentId: 'payment-1' });
    // Notifications run beside the saga (notify after settle): the welcome may land before or after the second payment.
    expect(calls.filter((c) => !c.startsWith('email:')).slice(-4)).toEqual([
      'verify',
      'recordPayment',
      'attach:payment-cs_2',
      'refund:payment-cs_2:onboarding:u6:DP:refund:cs_2',
    ]);
    expect(calls.filter((c) => c === 'email:welcome')).toHaveLength(1);
    expect(alerts.map((a) => a.kind).sort()).toEqual(['duplicate-payment-refunded', 'student-enrolled']);
  });

  it('alerts admins to refund by hand when Stripe refuses the refund, and goes on', async () => {
    const { calls, alerts, activities } = fakes();
    activities.refundPayment = async () => {
      calls.push('refund');
      throw ApplicationFailure.nonRetryable('No such payment_intent', 'RefundRejected');
    };
    const taskQueue = 'onb-refund-refused';
    const result = await withWorker(activities, taskQueue, async () => {
      const handle = await env.client.workflow.start(onboarding, {
        workflowId: 'onboarding:u7:DP',
        taskQueue,
        args: [input('u7')],
      });
      await handle.signal(paymentNotified, { sessionId: 'cs_wrong_7' });
      await handle.signal(paymentNotified, { sessionId: 'cs_1' });
      return handle.result();
    });
    expect(result).toMatchObject({ phase: 'ENROLLED', paymentId: 'payment-1' });
    expect(calls.filter((c) => c === 'refund')).toHaveLength(1);
    expect(alerts.map((a) => a.kind).sort()).toEqual(['refund-failed', 'student-enrolled']);
    expect(alerts[0]!.refs).toMatchObject({ session: 'cs_wrong_7', for: 'wrong-price-refunded' });
  });
});

describe('onboarding cancelled by an account erasure (time skipping)', () => {
  const waitForCall = async (calls: string[], name: string) => {
    for (let i = 0; !calls.includes(name); i++) {
      if (i > 400) throw new Error(`${name} never ran`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  it('cancelled in the dispute watch: ends cancelled at once, touching nothing', async () => {
    const { calls, activities } = fakes();
    activities.loadEnrollment = async () => {
      calls.push('loadEnrollment');
      return { enrollmentId: 'enrollment-1', status: 'ENROLLED', trainerId: 'trainer-1', paymentVerified: true };
    };
    const taskQueue = 'onb-cancel-watch';
    const status = await withWorker(activities, taskQueue, async () => {
      const handle = await env.client.workflow.start(onboarding, {
        workflowId: 'onboarding:u41:DP',
        taskQueue,
        args: [input('u41')],
      });
      await env.sleep(10 * DAY);
      expect((await handle.query(onboardingStatus)).phase).toBe('ENROLLED');
      await handle.cancel();
      const failure = await handle.result().then(
        () => 'completed',
        (error: Error) => (error.cause as Error | undefined)?.name ?? error.name,
      );
      expect(failure).toBe('CancelledFailure');
      return (await handle.describe()).status.name;
    });
    expect(status).toBe('CANCELLED');
    expect(calls).toEqual(['loadEnrollment']);
  });

  it('cancelled mid-enrollment: refunds the payment, closes the enrollment, tells admins, ends cancelled', async () => {
    const { calls, alerts, activities } = fakes();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    activities.assignTrainer = async () => {
      calls.push('assignTrainer');
      await held;
      return { trainerId: 'trainer-1' };
    };
    activities.closeRefundedEnrollment = async () => {
      calls.push('closeEnrollment');
    };
    const taskQueue = 'onb-cancel-enrolling';
    const outcome = await withWorker(activities, taskQueue, async () => {
      const handle = await env.client.workflow.start(onboarding, {
        workflowId: 'onboarding:u40:DP',
        taskQueue,
        args: [input('u40')],
      });
      await handle.signal(paymentNotified, { sessionId: 'cs_1', eventId: 'evt_1' });
      await waitForCall(calls, 'assignTrainer');
      await handle.cancel();
      const ended = await handle.result().then(
        () => 'completed',
        (error: Error) => (error.cause as Error | undefined)?.name ?? error.name,
      );
      release();
      return ended;
    });
    expect(outcome).toBe('CancelledFailure');
    expect(calls).toEqual([
      'loadEnrollment',
      'verify',
      'recordPayment',
      'enroll',
      'assignTrainer',
      'closeEnrollment',
      'refund:payment-1:onboarding:u40:DP:refund:cs_1',
    ]);
    expect(alerts.map((a) => a.kind)).toEqual(['onboarding-refunded']);
  });
});
