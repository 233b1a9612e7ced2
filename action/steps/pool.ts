/**
 * `concurrency` workers over `items` in order; with a `gate`, the first worker takes the first item at once
 * and the others start when the gate opens.
 */
export async function runPool<T>(
  items: T[],
  concurrency: number,
  gate: Promise<void> | undefined,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (index: number) => {
    if (index > 0 && gate) await gate;
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, (_, i) => worker(i)),
  );
}
