/** A spinner on a terminal; silent elsewhere (CI, pipes, --json on a pipe). */
export interface Progress {
  stop(finalLine?: string): void;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function startProgress(stream: NodeJS.WritableStream & { isTTY?: boolean }, text: string, enabled: boolean): Progress {
  if (!enabled || !stream.isTTY) return { stop: () => undefined };
  let frame = 0;
  const draw = (): void => {
    stream.write(`\r${FRAMES[frame++ % FRAMES.length]} ${text}\u001b[K`);
  };
  draw();
  const timer = setInterval(draw, 80);
  return {
    stop(finalLine) {
      clearInterval(timer);
      stream.write(`\r\u001b[K${finalLine ? `${finalLine}\n` : ''}`);
    },
  };
}
