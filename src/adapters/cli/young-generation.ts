import { setFlagsFromString } from 'node:v8';

/**
 * Stops V8's young generation from growing past the size it has now, for every thread of the
 * process (V8's flags are process-wide). Under load V8 doubles it up to 32 MiB on the main
 * thread, where the service's requests live for a millisecond or two and few survive a
 * scavenge: the larger space stayed resident while scavenging more often in the smaller one
 * cost no measurable CPU in bench:http (issue 17). The heap's size limits are fixed when V8
 * starts; the growth factor is read at each growth, so it can still be set, but V8 puts it back
 * whenever a thread (a worker's isolate) starts: call this again after starting one.
 */
export function stopYoungGenerationGrowth(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}
