/**
 * When a worker thread has started (or failed to): its owners terminate it only after that, since
 * terminating a thread still starting is not something they do. Typed structurally, so this module
 * imports no thread API.
 */
export function threadStarted(worker: { once(event: 'online' | 'error' | 'exit', listener: () => void): unknown }): Promise<void> {
  return new Promise<void>((resolve) => {
    worker.once('online', resolve);
    worker.once('error', resolve);
    worker.once('exit', resolve);
  });
}
