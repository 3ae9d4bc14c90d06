import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
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
});
