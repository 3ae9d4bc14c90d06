import type { FastifyInstance } from 'fastify';
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { AuditStore } from '../../store/audit-store.js';
import { SharedWindowCounter } from './shared-window-counter.js';

const WINDOW_MS = 60_000;
/** A stopping instance shares its last counts if the database answers this soon. */
const FINAL_SHARE_MS = 1_000;

/**
 * A per-minute counter shared through the store's rate windows with every instance on the same
 * database, stopped (after a last share) when the app closes.
 */
export function sharedMinuteCounter(
  app: FastifyInstance,
  store: AuditStore,
  limit: number,
): SharedWindowCounter {
  let warned = 0;
  const counter = new SharedWindowCounter({
    limit,
    windowMs: WINDOW_MS,
    add: (start, counts) => store.addToRateWindow(start, counts),
    prune: (before) => store.pruneRateWindows(before),
    onError: (e) => {
      // Once a minute at most: while the database is away every share fails.
      if (Date.now() - warned < WINDOW_MS) return;
      warned = Date.now();
      app.log.warn(
        { err: { message: (e as Error).message } },
        'rate-limit counts not shared; limiting on this instance’s counts until the database answers',
      );
    },
  });
  app.addHook('onClose', async () => {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      counter.close(),
      new Promise((r) => {
        timer = setTimeout(r, FINAL_SHARE_MS);
      }),
    ]);
    clearTimeout(timer);
  });
  return counter;
}

/** @fastify/rate-limit's store over a shared counter: every route and instance counts together. */
export function sharedRateLimitStore(counter: SharedWindowCounter): FastifyRateLimitStoreCtor {
  return class SharedRateLimitStore implements FastifyRateLimitStore {
    incr(
      key: string,
      callback: (error: Error | null, result?: { current: number; ttl: number }) => void,
    ) {
      const current = counter.add(key);
      if (typeof current === 'number') callback(null, { current, ttl: counter.msLeft() });
      else void current.then((c) => callback(null, { current: c, ttl: counter.msLeft() }));
    }
    child(): FastifyRateLimitStore {
      return this;
    }
  };
}
