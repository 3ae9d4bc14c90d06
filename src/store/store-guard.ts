import {
  isDataException,
  StoreRejectedValueError,
  StoreUnavailableError,
} from '../service/audit-port.js';

/**
 * Every store failure as one of two kinds: the database refused a value of the request (the
 * client's error, never retried as an outage) or the store could not be reached or write.
 */
export async function guard<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof StoreUnavailableError || e instanceof StoreRejectedValueError) throw e;
    throw isDataException(e) ? new StoreRejectedValueError(e) : new StoreUnavailableError(e);
  }
}

// A request may carry a NUL character in a free-text field; PostgreSQL's JSON types refuse it.
export function storableJsonText(text: string): string {
  if (!text.includes('\\u0000')) return text;
  return text.replace(/(?<!\\)((?:\\\\)*)\\u0000/g, '$1\\ufffd');
}
