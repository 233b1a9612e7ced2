import { setTimeout as delay } from 'node:timers/promises';
import {
  attemptAnswered,
  attemptSent,
  createRateBudget,
  decideStarts,
  knownLimits,
  knowsTheLimits,
  requestFinished,
  requestStarted,
  type RateBudget,
  type RateLimitSnapshot,
  type RequestCost,
} from '../core/plan/rate-budget.js';
import type { AttemptObserver, Clock, Logger, Sleep } from '../ports.js';

/**
 * Requests in flight to one model until its answers state the account's rate limits, and for good when
 * they never do (an endpoint or proxy without the headers): wall time near one request's latency for most
 * PRs, gentle on limits nobody stated.
 */
export const DEFAULT_MODEL_LANES = 4;

/** One model request waiting for its turn. */
export interface LaneJob<T> {
  /** The model it goes to, asked when it is about to start: a router may have switched since it queued. */
  model(): string;
  /** What it takes from that model's limits. */
  cost(model: string): RequestCost;
  /** Sends it; the observer is to be handed to the model port. */
  send(model: string, observer: AttemptObserver): Promise<T>;
}

export interface ModelLanes {
  /** Runs `job` once its model's budget lets it start, in the order jobs were queued (per model). */
  run<T>(job: LaneJob<T>): Promise<T>;
}

export interface ModelLanesOptions {
  clock: Clock;
  sleep?: Sleep;
  log: Logger;
  /** When it aborts (the runner cancelled the run), nothing more starts. */
  signal?: AbortSignal;
  defaultLanes?: number;
}

/**
 * The run's model requests, paced by the account's rate limits (core/plan/rate-budget.ts decides, fed by
 * what each answer's headers say); one per run, shared by the review and the validation pass, which draw
 * on the same limits. Each model has its own budget, as the provider limits each model on its own.
 *
 * A 429 is waited out once by each party, never twice: the SDK retries the refused attempt itself after the
 * answer's retry-after (its own retries, MODEL_MAX_RETRIES), and the lanes, which see the same answer through
 * the observer, hold every new request to that model until the same moment. The lanes never re-send a
 * request and the SDK never starts one, so they cannot fight over the same request; when the pause ends, the
 * refused request's retry counts as in flight and not yet charged, so new ones start only beside what it
 * will take.
 */
export function createModelLanes(opts: ModelLanesOptions): ModelLanes {
  const { clock, log, signal } = opts;
  const sleep = opts.sleep ?? sleepUnlessAborted;
  const budgets = new Map<string, RateBudget>();
  const announced = new Set<string>();
  const queue: Waiting[] = [];
  let nextId = 0;
  let wakeAt: number | undefined;

  interface Waiting {
    job: LaneJob<unknown>;
    settle: (result: Promise<unknown>) => void;
  }

  const budgetOf = (model: string) =>
    budgets.get(model) ?? createRateBudget(opts.defaultLanes ?? DEFAULT_MODEL_LANES);
  const update = (model: string, change: (b: RateBudget) => RateBudget) =>
    budgets.set(model, change(budgetOf(model)));

  /** Starts every waiting job its model's budget allows, in order; a model that cannot start one holds its later ones. */
  function pump(): void {
    if (signal?.aborted) return;
    const now = clock.now();
    const held = new Set<string>();
    let wakeIn: { ms: number; model: string } | undefined;
    for (let i = 0; i < queue.length;) {
      const waiting = queue[i]!;
      const model = waiting.job.model();
      if (held.has(model)) {
        i++;
        continue;
      }
      const cost = waiting.job.cost(model);
      const decision = decideStarts(budgetOf(model), [cost], now);
      if (decision.start === 1) {
        queue.splice(i, 1);
        start(waiting, model, cost);
        continue;
      }
      held.add(model);
      if (decision.waitMs !== undefined && decision.waitMs < (wakeIn?.ms ?? Infinity))
        wakeIn = { ms: decision.waitMs, model };
      i++;
    }
    if (wakeIn !== undefined) wake(now + wakeIn.ms, wakeIn.model);
  }

  function start(waiting: Waiting, model: string, cost: RequestCost): void {
    const id = nextId++;
    update(model, (b) => requestStarted(b, id, cost, clock.now()));
    const observer: AttemptObserver = {
      sent: () => update(model, (b) => attemptSent(b, id)),
      answered: (limits) => {
        update(model, (b) => attemptAnswered(b, id, limits, clock.now()));
        report(model, limits);
        pump();
      },
    };
    const sending = (async () => waiting.job.send(model, observer))();
    waiting.settle(sending);
    void sending
      .catch(() => undefined)
      .then(() => {
        update(model, (b) => requestFinished(b, id));
        pump();
      });
  }

  /** One timer at a time: the earliest moment a held model's budget covers its next request. */
  function wake(at: number, model: string): void {
    if (wakeAt !== undefined && wakeAt <= at) return;
    wakeAt = at;
    log.debug(
      `${model}: the next request waits ${((at - clock.now()) / 1000).toFixed(1)} s for the rate-limit budget`,
    );
    void sleep(Math.max(0, at - clock.now()), signal).then(() => {
      if (wakeAt === at) wakeAt = undefined;
      pump();
    });
  }

  function report(model: string, limits: RateLimitSnapshot): void {
    if (limits.retryAfterMs !== undefined) {
      log.info(
        `${model}: rate limited (HTTP 429); new requests wait ${(limits.retryAfterMs / 1000).toFixed(1)} s as its retry-after says`,
      );
    }
    const budget = budgetOf(model);
    if (announced.has(model) || !knowsTheLimits(budget)) return;
    announced.add(model);
    const known = knownLimits(budget);
    const tokens =
      known.inputTokens && known.outputTokens
        ? `${known.inputTokens.limit.toLocaleString('en-US')} input and ${known.outputTokens.limit.toLocaleString('en-US')} output tokens`
        : `${known.tokens?.limit.toLocaleString('en-US')} tokens`;
    log.info(
      `${model}: the account's rate limits are ${known.requests?.limit.toLocaleString('en-US')} requests and ${tokens} a minute; requests are paced by them`,
    );
  }

  return {
    run<T>(job: LaneJob<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({
          job: job as LaneJob<unknown>,
          settle: (result) => (result as Promise<T>).then(resolve, reject),
        });
        pump();
      });
    },
  };
}

const sleepUnlessAborted: Sleep = (ms, signal) =>
  delay(ms, undefined, signal ? { signal } : {}).catch(() => undefined);
