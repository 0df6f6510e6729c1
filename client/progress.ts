/** A live status line on a terminal, plain log lines (at most every few seconds) otherwise. */
export function progressPrinter(stream: NodeJS.WriteStream = process.stderr) {
  let lastPlain = 0;
  const tty = stream.isTTY === true;
  return {
    update(line: string): void {
      if (tty) {
        stream.write(`\r\x1b[2K${line}`);
        return;
      }
      const now = Date.now();
      if (now - lastPlain < 5000) return;
      lastPlain = now;
      stream.write(`${new Date().toISOString()} ${line}\n`);
    },
    done(): void {
      if (tty) stream.write('\r\x1b[2K');
    },
  };
}
