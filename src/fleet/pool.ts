/**
 * A bounded pool: at most `concurrency` items in flight, items pulled from the source only as
 * slots free up (so a fleet of thousands is streamed, never all held at once). Results come back
 * in the source's order, whatever order they finish in. Not a scheduler: no queue of our own.
 */
export async function mapPool<T, R>(source: AsyncIterable<T> | Iterable<T>, concurrency: number, work: (item: T, index: number) => Promise<R>, onResult?: (result: R, index: number) => void): Promise<R[]> {
  const results: R[] = [];
  const iterator = (Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : toAsync(source as Iterable<T>)) as AsyncIterator<T>;
  let next = 0;
  let done = false;
  // Pulls are serialised: an async generator must not be asked twice at once.
  let pulling: Promise<unknown> = Promise.resolve();
  const pull = (): Promise<IteratorResult<T> | undefined> => {
    const step = pulling.then(async () => (done ? undefined : iterator.next()));
    pulling = step.catch(() => undefined);
    return step;
  };
  const worker = async (): Promise<void> => {
    for (;;) {
      const item = await pull();
      if (!item || item.done) {
        done = true;
        return;
      }
      const index = next++;
      const result = await work(item.value, index);
      results[index] = result;
      onResult?.(result, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return results;
}

async function* toAsync<T>(items: Iterable<T>): AsyncGenerator<T> {
  yield* items;
}
