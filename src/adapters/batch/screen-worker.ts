import { parentPort, workerData } from 'node:worker_threads';
import { openContext } from '../../service/open-context.js';
import { chunkProcessor, type JobSpec } from './chunk-job.js';
import { toPlain } from './summary.js';

// A screening worker thread: loads its own policy set (compiled objects do not cross threads) from
// the build's prebuilt context, as the CLI does (the policy compiler, YAML parser and schemas are
// loaded only when that does not apply), then screens the chunks it is sent and sends back the output bytes (transferred, not copied),
// with the chunk's own buffer: both cycle between the threads rather than being made anew.
// Its tally goes back once, at the end.

const port = parentPort!;
// Chunks sent meanwhile wait in the port's queue until the listener below is attached.
const processor = chunkProcessor(await openContext(), workerData as JobSpec);

port.on(
  'message',
  (
    m:
      | { type: 'chunk'; seq: number; bytes: Uint8Array; startLine: number; rows?: ArrayBuffer }
      | { type: 'end' },
  ) => {
    if (m.type === 'chunk') {
      // A row buffer this thread filled before, written out by the main thread: used again.
      if (m.rows) processor.screener.recycleRows(m.rows);
      const out = processor.run(m.bytes, m.startLine); // a buffer of its own: moved, not copied
      // The chunk's buffer goes back too, for the main thread to read into again.
      port.postMessage({ type: 'done', seq: m.seq, out, input: m.bytes }, [
        out.buffer as ArrayBuffer,
        m.bytes.buffer as ArrayBuffer,
      ]);
    } else {
      const s = processor.screener;
      port.postMessage({
        type: 'tally',
        tally: toPlain(s.finish()),
        rows: s.rows,
        failed: s.failed,
      });
    }
  },
);
