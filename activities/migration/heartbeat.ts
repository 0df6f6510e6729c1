import { setMaxListeners } from 'node:events';
import { Context } from '@temporalio/activity';

/** What a long activity shows in the UI's pending-activity panel and hands to its next attempt. */
export interface HeartbeatDetails {
  step: string;
  line: string;
  done: number;
  attempt: number;
  /** The previous attempt's last line, when this attempt resumes after a crash. */
  resumedFrom?: string;
}

/**
 * Heartbeats every second while `work` runs, with the latest progress line, so a killed worker is noticed
 * within the heartbeat timeout and the UI shows live counts. Cancellation reaches `work` as an AbortSignal.
 */
export async function withHeartbeat<T>(
  step: string,
  work: (progress: (line: string, done: number) => void, signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const ctx = Context.current();
  const previous = ctx.info.heartbeatDetails as HeartbeatDetails | undefined;
  const details: HeartbeatDetails = {
    step,
    line: previous ? `resuming after attempt ${previous.attempt}: ${previous.line}` : 'starting',
    done: 0,
    attempt: ctx.info.attempt,
    ...(previous ? { resumedFrom: previous.line } : {}),
  };
  if (previous) ctx.log.info(`${step}: resuming`, { previous: previous.line });
  ctx.heartbeat(details);
  const timer = setInterval(() => ctx.heartbeat(details), 1000);
  // Every request in flight listens on the one cancellation signal.
  setMaxListeners(0, ctx.cancellationSignal);
  try {
    return await work((line, done) => {
      details.line = line;
      details.done = done;
    }, ctx.cancellationSignal);
  } finally {
    clearInterval(timer);
  }
}
