import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dateNumber } from './calendar-date.js';
import { isCalendarDate } from './coverage-request.js';

describe('isCalendarDate', () => {
  it('takes exactly YYYY-MM-DD, and only days that exist', () => {
    for (const d of ['2025-09-15', '2024-02-29', '2000-02-29', '0001-01-01', '9999-12-31'])
      assert.ok(isCalendarDate(d), d);
    for (const d of [
      '2025-02-29',
      '1900-02-29',
      '2025-02-30',
      '2025-13-01',
      '2025-00-10',
      '2025-09-00',
      '2025-9-15',
      '2025-09-15T00:00:00Z',
      ' 2025-09-15',
      '2025-09-15\n',
      '+02025-09-15',
      '09/15/2025',
      '20250915',
      '',
    ])
      assert.ok(!isCalendarDate(d), JSON.stringify(d));
  });

  it('agrees with what Date makes of the same text, for every month and day of years that differ', () => {
    // The reference the arithmetic replaced: a day exists when Date round-trips it unchanged.
    const viaDate = (t: string) => {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(t)) return false;
      const d = new Date(`${t}T00:00:00Z`);
      return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === t;
    };
    const pad = (n: number, w: number) => String(n).padStart(w, '0');
    let checked = 0;
    for (const y of [0, 1, 4, 100, 400, 1900, 1999, 2000, 2023, 2024, 2025, 2100, 9996, 9999])
      for (let m = 0; m <= 13; m++)
        for (let d = 0; d <= 32; d++) {
          const t = `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;
          assert.equal(isCalendarDate(t), viaDate(t), t);
          checked++;
        }
    // Each character of a valid date replaced by each printable ASCII character.
    const base = '2024-02-29';
    for (let i = 0; i < base.length; i++)
      for (let c = 0x20; c < 0x7f; c++) {
        const t = base.slice(0, i) + String.fromCharCode(c) + base.slice(i + 1);
        assert.equal(isCalendarDate(t), viaDate(t), JSON.stringify(t));
        checked++;
      }
    assert.ok(checked > 7000);
  });
});

describe('dateNumber', () => {
  it('orders dates as their text does, and is equal only for the same date', () => {
    const pad = (n: number, w: number) => String(n).padStart(w, '0');
    const dates: string[] = [];
    for (const y of [1, 1999, 2000, 2020, 2021, 2025, 2026, 9999])
      for (let m = 1; m <= 12; m++)
        for (const d of [1, 9, 10, 28, 30, 31])
          dates.push(`${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`);
    assert.equal(dateNumber('2025-09-15'), 20250915);
    for (const a of dates)
      for (const b of dates) {
        assert.equal(dateNumber(a) < dateNumber(b), a < b, `${a} < ${b}`);
        assert.equal(dateNumber(a) === dateNumber(b), a === b, `${a} = ${b}`);
      }
  });
});
