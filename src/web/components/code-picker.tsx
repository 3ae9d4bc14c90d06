// Search-as-you-type over the service's real code sets, as an ARIA 1.2 combobox: arrows move,
// Enter picks, Escape closes; picked codes are listed with a remove button each.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type CodeView } from '../api.js';

let counter = 0;

export function CodePicker(props: {
  label: string;
  systems: CodeView['system'][];
  date: string;
  value: string[];
  onChange: (codes: string[]) => void;
  hint?: string;
}) {
  const [id] = useState(() => `codes-${++counter}`);
  const [text, setText] = useState('');
  const [items, setItems] = useState<CodeView[]>([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const [status, setStatus] = useState('');
  const seq = useRef(0);

  useEffect(() => {
    const q = text.trim();
    if (q.length < 2) {
      // Outdate any search still in flight, so it cannot reopen the list.
      ++seq.current;
      setItems([]);
      setOpen(false);
      return undefined;
    }
    const mine = ++seq.current;
    const timer = setTimeout(async () => {
      try {
        const lists = await Promise.all(
          props.systems.map((s) => api.searchCodes(s, q, props.date || undefined)),
        );
        if (mine !== seq.current) return;
        const found = lists.flat().slice(0, 12);
        setItems(found);
        setOpen(true);
        setActive(found.length ? 0 : -1);
        setStatus(found.length ? `${found.length} codes found` : 'No codes found');
      } catch {
        if (mine === seq.current) setStatus('Search failed');
      }
    }, 150);
    return () => clearTimeout(timer);
  }, [text, props.date]);

  const add = (code: string) => {
    if (!props.value.includes(code)) props.onChange([...props.value, code]);
    setText('');
    setOpen(false);
  };

  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setOpen(true);
      setActive((a) => Math.min(items.length - 1, a + 1));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((a) => Math.max(0, a - 1));
    } else if (e.key === 'Enter') {
      const c = open ? items[active] : undefined;
      if (c) {
        e.preventDefault();
        add(c.code);
      } else if (text.trim()) {
        // A code typed whole is taken as it is; the service says if it is not a code.
        e.preventDefault();
        add(text.trim().toUpperCase());
      }
    } else if (e.key === 'Escape') {
      setOpen(false);
    }
  };

  const listId = `${id}-list`;
  return (
    <div class="code-picker">
      <label for={id}>{props.label}</label>
      {props.value.length > 0 && (
        <ul class="chips" aria-label={`${props.label} chosen`}>
          {props.value.map((c) => (
            <li key={c}>
              <code>{c}</code>
              <button
                type="button"
                aria-label={`Remove ${c}`}
                onClick={() => props.onChange(props.value.filter((v) => v !== c))}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      <input
        id={id}
        type="text"
        role="combobox"
        autocomplete="off"
        aria-autocomplete="list"
        aria-expanded={open}
        aria-controls={listId}
        aria-describedby={`${id}-hint`}
        {...(open && active >= 0 ? { 'aria-activedescendant': `${id}-opt-${active}` } : {})}
        value={text}
        onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={onKey}
        onBlur={() => setTimeout(() => setOpen(false), 150)}
      />
      <p id={`${id}-hint`} class="muted small">
        {props.hint ?? 'Type a code or words of its description'}
      </p>
      <ul id={listId} role="listbox" class="options" hidden={!open} aria-label={props.label}>
        {items.map((c, i) => (
          <li
            id={`${id}-opt-${i}`}
            key={`${c.system}:${c.code}`}
            role="option"
            aria-selected={i === active}
            class={i === active ? 'active' : ''}
            onMouseDown={(e) => {
              e.preventDefault();
              add(c.code);
            }}
          >
            <code>{c.code}</code> {c.display || <span class="muted">(CPT: number only)</span>}
            <span class="muted small">
              {' '}
              {c.system}
              {c.on ? ` · ${c.on.status}` : ''}
            </span>
          </li>
        ))}
      </ul>
      <span class="visually-hidden" aria-live="polite">
        {status}
      </span>
    </div>
  );
}
