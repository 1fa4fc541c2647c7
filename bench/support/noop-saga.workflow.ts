import { proxyActivities } from '@temporalio/workflow';

/** The baseline for bench/onboarding.ts: as many activities as the onboarding saga, doing nothing. */
const { noop } = proxyActivities<{ noop(step: number): Promise<void> }>({ startToCloseTimeout: '30s' });

export const ONBOARDING_ACTIVITY_COUNT = 9; // load, checkout, verify, record, enroll, trainer, unlock, welcome, alert

export async function noopSaga(): Promise<void> {
  for (let step = 0; step < ONBOARDING_ACTIVITY_COUNT; step++) await noop(step);
}
