import type { SwappableContext } from '../../service/context-source.js';
import { RevisionFollower, type FollowerLog } from '../../service/follow-published-revision.js';
import { contextOfRevision, discardRevisionFiles } from '../../service/policy-corpus.js';
import type { AuditStore } from '../../store/audit-store.js';
import { RevisionListener } from '../../store/policy-revision-listener.js';
import { PolicyRevisionStore } from '../../store/policy-revisions.js';
import { terminologyOptionsFromEnv } from '../../terminology/terminology-options.js';
import { loadCoverageMap } from '../cdshooks/index.js';

/** How long a replaced revision's files stay for requests that read its context before. */
const RETIRED_FILES_MS = 60_000;

export interface Following {
  follower: RevisionFollower;
  stop(): Promise<void>;
}

/**
 * Keeps `contexts` on the revision published in the shared database: reads it now (so that an
 * instance starts on it), then on every notification and every `pollMs`.
 */
export async function followPublishedRevision(
  store: AuditStore,
  databaseUrl: string,
  contexts: SwappableContext,
  log: FollowerLog & { warn(message: string): void },
  pollMs: number,
): Promise<Following> {
  const opts = terminologyOptionsFromEnv(process.env);
  const follower = new RevisionFollower(
    contexts,
    new PolicyRevisionStore(store.db),
    async (revision, files) => {
      const ctx = await contextOfRevision(revision, files, opts);
      try {
        // As at start: a coverage map that does not load is refused here, not at the first call.
        loadCoverageMap(ctx.policiesDir);
      } catch (e) {
        discardRevisionFiles(ctx, 0);
        throw e;
      }
      return ctx;
    },
    log,
    (old) => discardRevisionFiles(old, RETIRED_FILES_MS),
  );
  const listener = new RevisionListener(
    databaseUrl,
    () => void follower.check(),
    (message) => log.warn(message),
  );
  // Listening before the first read: a publication in between is then not missed.
  await listener.connect();
  await follower
    .check()
    .catch((e: unknown) =>
      log.error(
        { err: { message: (e as Error).message } },
        'published revision unreadable; serving the policy files',
      ),
    );
  follower.poll(pollMs, () => listener.connect());
  return {
    follower,
    stop: async () => {
      follower.stop();
      await listener.close();
    },
  };
}
