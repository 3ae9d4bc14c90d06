import { useEffect, useState } from 'preact/hooks';
import { OUTCOMES } from '../../model/vocabulary.js';
import { api, type AuditEventV1, type AuditPage, type PolicyIndex } from '../api.js';
import { DeterminationView, ErrorBox, OutcomeBadge } from '../components/determination-view.js';
import { Select } from '../components/fields.js';
import { href, type Route } from '../router.js';

const PAGE = '20';

export function AuditPage(props: { route: Route }) {
  const id = props.route.rest[0];
  return id ? <AuditRecord id={id} /> : <AuditList />;
}

function AuditList() {
  const [index, setIndex] = useState<PolicyIndex | undefined>();
  const [filter, setFilter] = useState({ payer: '', outcome: '', policy: '', from: '', to: '' });
  const [applied, setApplied] = useState(filter);
  // Cursors of the pages before this one, for "Previous".
  const [cursors, setCursors] = useState<string[]>([]);
  const [page, setPage] = useState<AuditPage | undefined>();
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    api.policies().then(setIndex, setError);
  }, []);

  const cursor = cursors[cursors.length - 1];
  useEffect(() => {
    setError(undefined);
    api.determinations({ ...applied, limit: PAGE, cursor }).then(setPage, (e) => {
      setPage(undefined);
      setError(e);
    });
  }, [applied, cursor]);

  const set = (k: keyof typeof filter) => (v: string) => setFilter({ ...filter, [k]: v });
  const any = ['', '(any)'] as const;

  return (
    <section aria-labelledby="audit-title">
      <h2 id="audit-title">Audit: recorded determinations</h2>
      <form
        class="controls"
        onSubmit={(e) => {
          e.preventDefault();
          setCursors([]);
          setApplied(filter);
        }}
      >
        <Select
          label="Payer"
          value={filter.payer}
          onChange={set('payer')}
          options={[any, ...(index?.payers ?? []).map((p) => [p, p] as const)]}
        />
        <Select
          label="Outcome"
          value={filter.outcome}
          onChange={set('outcome')}
          options={[any, ...OUTCOMES.map((o) => [o, o] as const)]}
        />
        <Select
          label="Policy"
          value={filter.policy}
          onChange={set('policy')}
          options={[any, ...(index?.policies ?? []).map((p) => [p.id, p.id] as const)]}
        />
        <label>
          Recorded from
          <input
            type="date"
            value={filter.from}
            onInput={(e) => set('from')(e.currentTarget.value)}
          />
        </label>
        <label>
          Recorded to
          <input type="date" value={filter.to} onInput={(e) => set('to')(e.currentTarget.value)} />
        </label>
        <button type="submit">Filter</button>
      </form>
      {error !== undefined && <ErrorBox error={error} />}
      {page && (
        <>
          <p aria-live="polite" class="muted">
            Page {cursors.length + 1}: {page.items.length} records
            {page.nextCursor ? ', more follow' : ''}.
          </p>
          <div class="table-wrap">
            <table class="audit">
              <thead>
                <tr>
                  <th scope="col">Recorded</th>
                  <th scope="col">Payer</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Policy</th>
                  <th scope="col">Date of service</th>
                  <th scope="col">Requester</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((r) => (
                  <tr key={r.id}>
                    <td>
                      <a
                        href={href('audit', [r.id])}
                        aria-label={`Open record ${r.id} recorded ${r.recordedAt}`}
                      >
                        {r.recordedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}
                      </a>
                    </td>
                    <td>{r.payer}</td>
                    <td class={`outcome-${r.outcome}`}>
                      <OutcomeBadge
                        d={{
                          outcome: r.outcome as never,
                          basis: r.basis as never,
                          priorAuth: r.priorAuth as never,
                        }}
                      />
                    </td>
                    <td>
                      {r.policyId ? (
                        `${r.policyId} ${r.policyVersion ?? ''}`
                      ) : (
                        <span class="muted">none</span>
                      )}
                    </td>
                    <td>{r.dateOfService}</td>
                    <td>{r.requester}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {page.items.length === 0 && <p>No recorded determinations match.</p>}
          <nav class="pager" aria-label="Pages">
            <button
              type="button"
              disabled={cursors.length === 0}
              onClick={() => setCursors(cursors.slice(0, -1))}
            >
              Previous page
            </button>
            <button
              type="button"
              disabled={!page.nextCursor}
              onClick={() => page.nextCursor && setCursors([...cursors, page.nextCursor])}
            >
              Next page
            </button>
          </nav>
        </>
      )}
    </section>
  );
}

function AuditRecord(props: { id: string }) {
  const [event, setEvent] = useState<AuditEventV1 | undefined>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    api.determination(props.id).then(setEvent, setError);
  }, [props.id]);
  return (
    <section aria-labelledby="record-title">
      <p>
        <a href={href('audit')}>← All recorded determinations</a>
      </p>
      <h2 id="record-title">Record {props.id}</h2>
      {error !== undefined && <ErrorBox error={error} />}
      {event && (
        <>
          <dl class="facts">
            <dt>Recorded</dt>
            <dd>{event.recordedAt}</dd>
            <dt>Requester</dt>
            <dd>{event.requester}</dd>
            {event.requestId && (
              <>
                <dt>Request id</dt>
                <dd>
                  <code>{event.requestId}</code>
                </dd>
              </>
            )}
            {event.groupId && (
              <>
                <dt>Comparison</dt>
                <dd>
                  <code>{event.groupId}</code>
                </dd>
              </>
            )}
          </dl>
          <h3>Request</h3>
          <pre class="json">{JSON.stringify(event.request, null, 2)}</pre>
          <DeterminationView d={event.determination} />
        </>
      )}
    </section>
  );
}
