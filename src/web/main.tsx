import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { apiKey, setApiKey } from './api.js';
import { AuditPage } from './pages/audit.js';
import { CheckPage } from './pages/check.js';
import { ComparePage } from './pages/compare.js';
import { PoliciesPage } from './pages/policies.js';
import { href, useRoute } from './router.js';
import './styles.css';

const PAGES = [
  ['compare', 'Compare'],
  ['check', 'Check'],
  ['policies', 'Policies'],
  ['audit', 'Audit'],
] as const;

function App() {
  const route = useRoute();
  const main = useRef<HTMLElement>(null);
  const [key, setKey] = useState(apiKey());
  const page = PAGES.some(([p]) => p === route.page) ? route.page : 'compare';

  const first = useRef(true);
  useEffect(() => {
    const label = PAGES.find(([p]) => p === page)?.[1] ?? '';
    document.title = `${label} · medpolicy`;
    // After moving to another page, start a keyboard or screen-reader user at its content.
    if (!first.current) main.current?.focus();
    first.current = false;
  }, [page]);

  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), main.current?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <h1>
          <a href={href('compare')}>medpolicy</a>
        </h1>
        <nav aria-label="Pages">
          <ul>
            {PAGES.map(([p, label]) => (
              <li key={p}>
                <a href={href(p)} aria-current={p === page ? 'page' : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <details class="key">
          <summary>API key{key ? ' (set)' : ''}</summary>
          <label>
            API key, only when the service requires one
            <input
              type="password"
              autocomplete="off"
              value={key}
              onChange={(e) => {
                setKey(e.currentTarget.value);
                setApiKey(e.currentTarget.value);
              }}
            />
          </label>
        </details>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {/* A new API key remounts the page, so what failed without one is asked again. */}
        <div key={key}>
          {page === 'compare' && <ComparePage />}
          {page === 'check' && <CheckPage route={route} />}
          {page === 'policies' && <PoliciesPage route={route} />}
          {page === 'audit' && <AuditPage route={route} />}
        </div>
      </main>
      <footer class="muted small">
        Coverage decisions from the payers' written medical policies, each with the words it relied
        on. Not an authorization or a benefit determination. API: <a href="/docs">/docs</a>
      </footer>
    </>
  );
}

render(<App />, document.getElementById('app')!);
