import { randomInt } from 'node:crypto';
import { generateVerificationCode } from '../lib/certificates/verification-code';
import { certificatesRepo } from '../lib/db/repositories/certificates';
import { VERIFICATION_CODE_ALPHABET, formatVerificationCode } from '../lib/domain/certificates';
import { createTestUser } from '../scripts/lib/fixtures';
import { createFreshDatabase } from '../scripts/lib/local-stack';
import { combineLoops, reportLoop, reportRatio, timedLoop, type LoopLimits, type LoopResult } from './lib';
import { listenApi } from './support/app';
import type { Bench } from './types';

/**
 * Whether a 404 says anything about which verification codes exist (issue 10, "no timing
 * difference"). Through the real app, `GET /api/certificates/:code` and `GET /verify/:code`
 * answer 404 for three kinds of code that exist nowhere: a random well-formed code (the
 * baseline), a near miss (a real code with its last character changed) and a malformed
 * one, each call's code drawn ahead from thousands. The kinds take turns for
 * BENCH_VERIFY_ROUNDS rounds; a p50 ratio near 1 means the 404s cannot be told apart by
 * their time (p99s on two busy cores are noise, reported but not compared). A real code's
 * 200 is reported beside them (its answer differs anyway).
 */
const CERTIFICATES = Number(process.env.BENCH_VERIFY_CERTIFICATES ?? 200);
const ROUNDS = Number(process.env.BENCH_VERIFY_ROUNDS ?? 4);
const LIMITS: LoopLimits = { maxCount: 1_500, maxMs: 1_500, concurrency: 4 };
const WARM_UP: LoopLimits = { maxCount: 300, maxMs: 1_000, concurrency: 4 };

const pick = <T>(items: T[]): T => items[randomInt(items.length)]!;

function nearMiss(code: string): string {
  const last = code.at(-1)!;
  const other = VERIFICATION_CODE_ALPHABET.replace(last, '');
  return formatVerificationCode(code.slice(0, -1) + pick([...other]));
}

const MALFORMED = ['not-a-code', 'ZZZZ', '0000-0000-0000', `${'A'.repeat(40)}`, "' OR 1=1 --", 'UUUU-UUUU-UUUU-UUUU'];

const bench: Bench = async (ctx) => {
  const db = await createFreshDatabase();
  const codes: string[] = [];
  for (let i = 0; i < CERTIFICATES; i++) {
    const { user } = await createTestUser(db.knex, { fullName: `Graduate ${i}` });
    const certificate = await certificatesRepo.insertOnce(db.knex, {
      userId: user.id,
      trackCode: 'FSD',
      verificationCode: generateVerificationCode(),
      holderName: user.fullName,
    });
    codes.push(certificate.verificationCode);
  }
  const known = new Set(codes);
  // Verification never calls Temporal.
  const app = await listenApi(db.url, db.knex);

  // Codes are drawn ahead, so every kind's call costs the client the same (one pick).
  const POOL = 5_000;
  const draw = (make: () => string) => Array.from({ length: POOL }, make);
  const unknown = () => {
    for (;;) {
      const code = generateVerificationCode();
      if (!known.has(code)) return formatVerificationCode(code);
    }
  };
  const kinds: Record<string, { codes: string[]; status: number }> = {
    unknown: { codes: draw(unknown), status: 404 },
    near_miss: { codes: draw(() => nearMiss(pick(codes))), status: 404 },
    malformed: { codes: draw(() => pick(MALFORMED)), status: 404 },
    found: { codes: draw(() => formatVerificationCode(pick(codes))), status: 200 },
  };
  const routes = {
    json: (code: string) => `/api/certificates/${encodeURIComponent(code)}`,
    page: (code: string) => `/verify/${encodeURIComponent(code)}`,
  };

  try {
    const loop = (limits: LoopLimits, route: keyof typeof routes, kind: string) =>
      timedLoop(limits, async () => {
        const res = await fetch(app.url + routes[route](pick(kinds[kind]!.codes)));
        await res.arrayBuffer();
        if (res.status !== kinds[kind]!.status) throw new Error(`${route} (${kind}) answered ${res.status}`);
      });
    const names = Object.keys(kinds);
    for (const route of ['json', 'page'] as const) for (const kind of names) await loop(WARM_UP, route, kind);
    const results = new Map<string, LoopResult[]>();
    for (let round = 0; round < ROUNDS; round++) {
      // Each round starts with another kind, so no kind is always first after a switch.
      const order = [...names.slice(round % names.length), ...names.slice(0, round % names.length)];
      for (const route of ['json', 'page'] as const) {
        for (const kind of order) {
          const key = `${route}_${kind}`;
          results.set(key, [...(results.get(key) ?? []), await loop(LIMITS, route, kind)]);
        }
      }
    }
    const combined = (key: string) => combineLoops(results.get(key)!);
    ctx.report('verify_certificates', CERTIFICATES, 'rows');
    for (const route of Object.keys(routes)) {
      for (const kind of Object.keys(kinds)) reportLoop(ctx, `verify_${route}_${kind}`, combined(`${route}_${kind}`));
      const baseline = combined(`${route}_unknown`);
      for (const kind of ['near_miss', 'malformed']) {
        const subject = combined(`${route}_${kind}`);
        reportRatio(ctx, `verify_${route}_${kind}_p50`, subject.p50, baseline.p50);
      }
    }
  } finally {
    app.server.close();
    await db.drop();
  }
};

export default bench;
