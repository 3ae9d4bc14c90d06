import { isUtf8 } from 'node:buffer';
import type { DecisionContext } from '../../service/load-context.js';
import { screenCsvChunk, type CsvLayout } from './csv-reader.js';
import { csvPieceEnds } from './input.js';
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

// CSV text is decoded a piece of about 64 KB at a time, not a whole chunk: V8 puts a string over
// about 128 KB in its large-object space, where making and dropping one per chunk cost about
// 1 µs per line, forty times the cost of decoding the same bytes in small pieces.
const PIECE = 64 << 10;

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
      const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
      if (spec.format === 'ndjson') screener.ndjsonChunk(b, startLine);
      else {
        let line = startLine;
        let start = 0;
        for (const end of csvPieceEnds(b, PIECE)) {
          line = screenCsvChunk(screener, decoder.decode(b.subarray(start, end)), line, csv!, ndc);
          start = end;
        }
      }
      return screener.takeRows();
    },
  };
}
