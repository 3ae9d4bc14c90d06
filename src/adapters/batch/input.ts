import { createReadStream, statSync } from 'node:fs';
import { UsageError } from '../cli/exit-codes.js';
import { BufferPool } from './buffer-pool.js';

// Reading the input: a file or standard input, in large chunks, with the encoding settled at the
// start: a UTF-8 byte-order mark is dropped, UTF-16 (by its byte-order mark) is transcoded to
// UTF-8; anything else is read as UTF-8 and undecodable lines become error rows downstream.

const READ_CHUNK = 1 << 20;

export interface Input {
  chunks: AsyncIterable<Buffer>;
  /** Size in bytes when known (a file), for the progress bar's ETA. */
  size: number | undefined;
  name: string;
}

export function openInput(
  path: string | undefined,
  stdin: NodeJS.ReadableStream = process.stdin,
): Input {
  if (path === undefined || path === '-') {
    if ((stdin as NodeJS.ReadStream).isTTY)
      throw new UsageError(
        'no input: give a file, or pipe claim lines in (… | medpolicy screen -)',
      );
    return { chunks: decoded(stdin), size: undefined, name: 'stdin' };
  }
  let size: number;
  try {
    size = statSync(path).size;
  } catch (e) {
    throw new UsageError(
      `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  return {
    chunks: decoded(createReadStream(path, { highWaterMark: READ_CHUNK })),
    size,
    name: path,
  };
}

async function* decoded(stream: AsyncIterable<unknown>): AsyncGenerator<Buffer> {
  let first = true;
  let utf16: TextDecoder | undefined;
  for await (const c of stream) {
    let chunk = typeof c === 'string' ? Buffer.from(c) : (c as Buffer);
    if (first) {
      first = false;
      if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3);
      else if (chunk[0] === 0xff && chunk[1] === 0xfe) utf16 = new TextDecoder('utf-16le');
      else if (chunk[0] === 0xfe && chunk[1] === 0xff) utf16 = new TextDecoder('utf-16be');
    }
    if (utf16) chunk = Buffer.from(utf16.decode(chunk, { stream: true }).replace(/^\uFEFF/, ''));
    if (chunk.length > 0) yield chunk;
  }
  if (utf16) {
    const rest = utf16.decode();
    if (rest) yield Buffer.from(rest);
  }
}

/** Reads the first bytes to tell the format: X12 starts with ISA, NDJSON with "{". */
export function sniffFormat(first: Buffer): 'ndjson' | 'csv' | 'x12' {
  const head = first.subarray(0, 256).toString('utf8').trimStart();
  if (head.startsWith('ISA')) return 'x12';
  if (head.startsWith('{')) return 'ndjson';
  return 'csv';
}

export function formatFromName(name: string): 'ndjson' | 'csv' | 'x12' | undefined {
  const n = name.toLowerCase();
  if (n.endsWith('.ndjson') || n.endsWith('.jsonl')) return 'ndjson';
  if (n.endsWith('.csv')) return 'csv';
  if (n.endsWith('.837') || n.endsWith('.x12') || n.endsWith('.edi')) return 'x12';
  return undefined;
}

/**
 * Cuts the byte stream into chunks of whole records. For CSV a cut is only made at a newline
 * outside quotes (an even number of quotes before it in the chunk); if a chunk has no such
 * newline (a stray quote), it is cut at its last newline and the parser reports the bad record.
 */
export async function* recordChunks(
  chunks: AsyncIterable<Buffer>,
  csv: boolean,
  pool: BufferPool = new BufferPool(),
  target = READ_CHUNK,
): AsyncGenerator<{ bytes: Buffer; startLine: number; lines: number }> {
  // Each chunk handed out lives in a buffer of its own (one copy of the bytes read), so a
  // worker pool can transfer it to a thread without copying it again. The buffers come from
  // `pool`, where the caller gives each back once its chunk is screened.
  let pending: Buffer[] = [];
  let pendingSize = 0;
  let line = 1;
  const emit = (bytes: Buffer) => {
    const lines = countNewlines(bytes);
    const out = { bytes, startLine: line, lines };
    line += lines;
    return out;
  };
  const own = (size: number) => {
    const b = pool.take(size).subarray(0, size);
    let off = 0;
    for (const p of pending) {
      p.copy(b, off);
      off += p.length;
    }
    return b;
  };
  for await (const c of chunks) {
    pending.push(c);
    pendingSize += c.length;
    if (pendingSize < target) continue;
    const all = own(pendingSize);
    const cut = csv ? csvCut(all, true) : all.lastIndexOf(10);
    if (cut < 0) {
      pending = [all];
      continue;
    }
    const rest = Buffer.from(all.subarray(cut + 1)); // a copy: `all` goes to a worker
    yield emit(all.subarray(0, cut + 1));
    pending = rest.length > 0 ? [rest] : [];
    pendingSize = rest.length;
  }
  if (pendingSize > 0) yield emit(own(pendingSize));
}

function countNewlines(b: Uint8Array): number {
  let n = 0;
  const buf = Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.length);
  for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) n++;
  return n;
}

/**
 * Where a chunk of whole CSV records may be cut into pieces of about `target` bytes, each of
 * whole records: the end offset of each piece. A cut is made only at a newline outside quotes;
 * where none falls within `target`, the piece runs to the end of the chunk (the quotes would
 * have to be tracked from there).
 */
export function csvPieceEnds(b: Buffer, target: number): number[] {
  const ends: number[] = [];
  let start = 0;
  while (b.length - start > target) {
    const cut = csvCut(b.subarray(start, start + target), false);
    if (cut < 0) break;
    start += cut + 1;
    ends.push(start);
  }
  if (start < b.length || ends.length === 0) ends.push(b.length);
  return ends;
}

/** The last newline outside quotes; else (a stray quote) the last newline if `anyNewline`. */
function csvCut(b: Buffer, anyNewline: boolean): number {
  let quotes = 0;
  let lastEven = -1;
  let q = b.indexOf(34);
  let nl = b.indexOf(10);
  while (nl >= 0) {
    while (q >= 0 && q < nl) {
      quotes++;
      q = b.indexOf(34, q + 1);
    }
    if (quotes % 2 === 0) lastEven = nl;
    nl = b.indexOf(10, nl + 1);
  }
  return lastEven >= 0 || !anyNewline ? lastEven : b.lastIndexOf(10);
}
