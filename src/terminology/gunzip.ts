import { createRequire } from 'node:module';
import type * as Zlib from 'node:zlib';

// zlib (and the streams it loads) is required on the first gzipped file read, the code
// descriptions or an operator's CMS file, not when a module imports it: `check` reads neither.
const require = createRequire(import.meta.url);
let zlib: typeof Zlib | undefined;

export const gunzipSync = (bytes: Buffer): Buffer =>
  (zlib ??= require('node:zlib') as typeof Zlib).gunzipSync(bytes);
