import { readFileSync } from 'node:fs';
import { UsageError } from './exit-codes.js';

/** The request text from --request FILE, or from standard input when it is not a terminal. */
export async function readRequestText(
  file: string | undefined,
  stdin: NodeJS.ReadStream = process.stdin,
): Promise<string> {
  if (file !== undefined) {
    try {
      return readFileSync(file === '-' ? 0 : file, 'utf8');
    } catch (e) {
      throw new UsageError(
        `cannot read --request ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
  }
  if (stdin.isTTY)
    throw new UsageError(
      'no request: pipe one in (medpolicy check < request.json) or give --request FILE',
    );
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export interface RequestUnit {
  /** 1-based line number in NDJSON input; undefined for a single JSON document. */
  line?: number;
  text: string;
}

/**
 * One JSON document, or NDJSON (one request per line). A document that parses whole is one
 * request, however it is laid out; otherwise each non-blank line is a request of its own.
 */
export function splitRequests(text: string): { mode: 'single' | 'ndjson'; units: RequestUnit[] } {
  if (text.trim() === '')
    throw new UsageError(
      'the input is empty: give a CoverageRequest as JSON, or NDJSON with one per line',
    );
  try {
    JSON.parse(text);
    return { mode: 'single', units: [{ text }] };
  } catch {
    const units = text
      .split('\n')
      .map((t, i) => ({ line: i + 1, text: t }))
      .filter((u) => u.text.trim() !== '');
    if (units.length === 1) return { mode: 'single', units: [{ text: units[0]!.text }] };
    return { mode: 'ndjson', units };
  }
}
