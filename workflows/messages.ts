import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CutoverResult, Progress } from './types';

/** How an operator steers a migration (CLI and Temporal UI). */
export const progressQuery = defineQuery<Progress>('progress');
export const cutoverOrgSignal = defineSignal<[string]>('cutoverOrg');
export const cutoverOrgUpdate = defineUpdate<{ accepted: boolean; org: string; message: string }, [string]>(
  'requestCutover',
);
export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
export const passNowSignal = defineSignal('passNow');
export const approveSignal = defineSignal('approve');
export const abortSignal = defineSignal<[string?]>('abort');
/** Sent by an org's cutover child to the migration when it ends. */
export const cutoverFinishedSignal = defineSignal<[CutoverResult]>('cutoverFinished');
