import type { SwappableContext } from './context-source.js';
import type { DecisionContext } from './load-context.js';
import type { CorpusFile } from './policy-corpus.js';

/** Where the published revision is read from (src/store/policy-revisions.ts). */
export interface PublishedRevisions {
  current(): Promise<{ revision: string } | undefined>;
  files(revision: string): Promise<CorpusFile[] | undefined>;
}

export interface FollowerLog {
  info(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** What an instance serves, against what was published (for /healthz). */
export interface RevisionStatus {
  /** The revision this instance serves. */
  revision: string;
  /** The published revision, as last read; absent when none is published (the files are served). */
  published?: string;
  /** Why the published revision is not served, when it failed here. */
  error?: string;
}

/**
 * Keeps an instance on the published policy-set revision: on each check (a notification, a poll,
 * the start) it reads the published revision and, when it is not the one served, compiles it off
 * the request path and swaps the context whole. A revision that does not compile here is logged
 * and not retried until another is published; the instance keeps serving what it served.
 */
export class RevisionFollower {
  #published: string | undefined;
  #failed: { revision: string; message: string } | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly source: SwappableContext,
    private readonly revisions: PublishedRevisions,
    private readonly build: (revision: string, files: CorpusFile[]) => Promise<DecisionContext>,
    private readonly log: FollowerLog,
    /** Told of the context a swap replaced, once no new request can get it. */
    private readonly retired: (old: DecisionContext) => void = () => {},
  ) {}

  status(): RevisionStatus {
    const revision = this.source.current().policySet.revision;
    const failed = this.#failed?.revision === this.#published ? this.#failed : undefined;
    return {
      revision,
      ...(this.#published !== undefined ? { published: this.#published } : {}),
      ...(failed && failed.revision !== revision ? { error: failed.message } : {}),
    };
  }

  /** Checks now; a check asked for while one runs runs once more after it. */
  check(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      try {
        do {
          this.#again = false;
          await this.#checkOnce();
        } while (this.#again);
      } finally {
        this.#running = undefined;
      }
    })();
    return this.#running;
  }

  /** Polls every intervalMs, the fallback for a lost notification; `beforeEach` runs first. */
  poll(intervalMs: number, beforeEach: () => Promise<void> = async () => {}): void {
    this.#timer = setInterval(() => {
      beforeEach()
        .then(() => this.check())
        .catch((e: unknown) =>
          this.log.error({ err: { message: (e as Error).message } }, 'revision check failed'),
        );
    }, intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  async #checkOnce(): Promise<void> {
    const published = (await this.revisions.current())?.revision;
    this.#published = published;
    const served = this.source.current();
    if (published === undefined || published === served.policySet.revision) return;
    if (this.#failed?.revision === published) return;
    const files = await this.revisions.files(published);
    let next: DecisionContext;
    try {
      if (!files) throw new Error('its files are not in the database');
      // Compiling takes the thread for a while: let the requests already read finish first.
      await new Promise((r) => setImmediate(r));
      next = await this.build(published, files);
    } catch (e) {
      const message = (e as Error).message;
      this.#failed = { revision: published, message };
      this.log.error(
        { revision: published, served: served.policySet.revision, err: { message } },
        'published policy-set revision not served: it failed here',
      );
      return;
    }
    this.source.swap(next);
    this.#failed = undefined;
    this.log.info(
      { revision: published, previous: served.policySet.revision },
      'serving the published policy-set revision',
    );
    this.retired(served);
  }
}
