/** Fills the work queue with jobs that wait until `release()`: the queue has no room. */
export function fillQueue(queue: { hasRoom(): boolean; push(job: () => Promise<void>): Promise<void> }) {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const blockers: Array<Promise<void>> = [];
  while (queue.hasRoom()) blockers.push(queue.push(() => gate));
  return { release, blockers };
}
