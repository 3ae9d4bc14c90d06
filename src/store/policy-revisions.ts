import type { CorpusFile } from '../service/policy-corpus.js';
import type { SqlClient } from './sql-client.js';

/** The channel a publication is announced on; its payload is the revision. */
export const REVISION_CHANNEL = 'medpolicy_policy_revision';

/** The revision every instance is to serve, as last published. */
export interface Publication {
  revision: string;
  publishedAt: string;
  publishedBy: string | null;
}

/** Published policy-set revisions in the database every instance shares. */
export class PolicyRevisionStore {
  constructor(private readonly db: SqlClient) {}

  /**
   * Makes `revision` the one every instance serves. Its files are stored the first time; publishing
   * a revision stored before (a rollback) needs only its id. Listeners are told on commit.
   */
  async publish(
    revision: string,
    files: readonly CorpusFile[] | undefined,
    publishedBy: string | undefined,
  ): Promise<void> {
    await this.db.transaction(async (tx) => {
      if (files)
        await tx.query(
          'INSERT INTO policy_revisions (revision, files) VALUES ($1, $2) ON CONFLICT (revision) DO NOTHING',
          [revision, JSON.stringify(files)],
        );
      await tx.query('INSERT INTO policy_publications (revision, published_by) VALUES ($1, $2)', [
        revision,
        publishedBy ?? null,
      ]);
      await tx.query('SELECT pg_notify($1, $2)', [REVISION_CHANNEL, revision]);
    });
  }

  async has(revision: string): Promise<boolean> {
    const r = await this.db.query('SELECT 1 FROM policy_revisions WHERE revision = $1', [revision]);
    return r.rows.length > 0;
  }

  async current(): Promise<Publication | undefined> {
    const r = await this.db.query<{ revision: string; at: Date; by: string | null }>(
      'SELECT revision, published_at AS at, published_by AS by FROM policy_publications ORDER BY seq DESC LIMIT 1',
      [],
      'policy-current',
    );
    const row = r.rows[0];
    return row
      ? { revision: row.revision, publishedAt: new Date(row.at).toISOString(), publishedBy: row.by }
      : undefined;
  }

  /** Every publication, newest first. */
  async history(limit = 50): Promise<Publication[]> {
    const r = await this.db.query<{ revision: string; at: Date; by: string | null }>(
      'SELECT revision, published_at AS at, published_by AS by FROM policy_publications ORDER BY seq DESC LIMIT $1',
      [limit],
    );
    return r.rows.map((row) => ({
      revision: row.revision,
      publishedAt: new Date(row.at).toISOString(),
      publishedBy: row.by,
    }));
  }

  async files(revision: string): Promise<CorpusFile[] | undefined> {
    const r = await this.db.query<{ files: CorpusFile[] | string }>(
      'SELECT files FROM policy_revisions WHERE revision = $1',
      [revision],
    );
    const files = r.rows[0]?.files;
    return typeof files === 'string' ? (JSON.parse(files) as CorpusFile[]) : files;
  }
}
