import { isUtf8 } from 'node:buffer';
import type { DecisionContext } from '../../service/load-context.js';
import { screenCsvChunk, type CsvLayout } from './csv-reader.js';
import { RowBuffer } from './rows.js';
import { Screener, type ScreenSettings } from './screener.js';

/** What a thread needs to screen chunks: plain data, so it crosses to a worker thread as is. */
export interface JobSpec {
  format: 'ndjson' | 'csv';
  settings: ScreenSettings;
  csv?: CsvLayout | undefined;
  /** NDC (digits only) → drug, from --ndc-map. */
  ndc?: [string, string][] | undefined;
}

export interface ChunkProcessor {
  screener: Screener;
  /**
   * Screens a chunk of whole lines (records) that starts on input line `startLine`; the rows
   * come back encoded, in a buffer of their own.
   */
  run(bytes: Uint8Array, startLine: number): Buffer;
}

const decoder = new TextDecoder('utf-8');

export function chunkProcessor(ctx: DecisionContext, spec: JobSpec): ChunkProcessor {
  const screener = new Screener(ctx, spec.settings);
  const ndc = spec.ndc ? new Map(spec.ndc) : undefined;
  const csv = spec.csv;
  if (spec.format === 'csv' && !csv) throw new Error('a CSV job needs its header layout');
  return {
    screener,
    run(bytes, startLine) {
      // Valid UTF-8 is the norm and is checked natively; only a chunk that fails it pays for
      // the per-line check that turns each undecodable line into an error row.
      screener.checkEncoding = !isUtf8(bytes);
      const text = decoder.decode(bytes);
      // Rows are about as long as the lines they answer; the buffer grows if not.
      const sink = new RowBuffer(bytes.length + (bytes.length >> 2));
      if (spec.format === 'csv') screenCsvChunk(screener, text, startLine, csv!, ndc, sink);
      else screener.ndjsonChunk(text, startLine, sink);
      return sink.take();
    },
  };
}
