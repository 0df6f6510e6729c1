import {
  ApplicationFailure,
  CancellationScope,
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  log,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { control, dataPlane } from './activity-proxies';
import { msUntilNextPass, p90 } from './downtime';
import {
  abortSignal,
  approveSignal,
  cutoverFinishedSignal,
  cutoverOrgSignal,
  cutoverOrgUpdate,
  passNowSignal,
  pauseSignal,
  progressQuery,
  resumeSignal,
} from './messages';
import { orgCutoverWorkflow } from './org-cutover';
import { LAST_PASS_SECONDS, ORGS_CUT_OVER, ORGS_TOTAL, PHASE } from './search-attributes';
import { renderDetails } from './details';
import type { CutoverResult, MigrationPlan, MigrationState, Phase, StepResult } from './types';

/**
 * The runbook: build → validate → full backup → tidy → full restore → verify → incremental loop, with each
 * org cut over on an operator's signal. A loop that runs for weeks continues as new with its state.
 */
export async function migrationWorkflow(plan: MigrationPlan, carried?: MigrationState): Promise<MigrationState> {
  const state: MigrationState = carried ?? {
    phase: 'starting',
    orgs: {},
    passNumber: 0,
    paused: false,
    approved: false,
    steps: [],
    failures: 0,
  };
  const data = dataPlane(plan);
  const ctl = control(plan);
  const cutoverQueue: string[] = [];
  let passNow = false;
  let abortReason: string | undefined;
  const work = new CancellationScope();

  const publish = () => {
    const orgs = Object.values(state.orgs);
    upsertSearchAttributes([
      { key: PHASE, value: state.phase },
      { key: ORGS_TOTAL, value: orgs.length },
      { key: ORGS_CUT_OVER, value: orgs.filter((o) => o.status === 'cut-over').length },
      ...(state.lastPassSeconds !== undefined ? [{ key: LAST_PASS_SECONDS, value: state.lastPassSeconds }] : []),
    ]);
    setCurrentDetails(renderDetails(state));
  };
  const enter = (phase: Phase) => {
    state.phase = phase;
    log.info(`migration phase: ${phase}`);
    publish();
  };
  const record = (step: StepResult) => {
    state.steps = [...state.steps, step].slice(-20);
    state.failures += step.failed;
    publish();
  };
  const cutoverRefusal = (org: string): string | undefined => {
    const o = state.orgs[org];
    if (!o) return `unknown org '${org}'; this migration has: ${Object.keys(state.orgs).join(', ') || 'none yet'}`;
    if (state.phase !== 'incremental-loop')
      return `cutover starts in the incremental loop; the migration is in ${state.phase}`;
    if (o.status !== 'syncing') return `org '${org}' is already ${o.status}`;
    return undefined;
  };
  const requestCutover = (org: string) => {
    const o = state.orgs[org];
    if (!o || cutoverRefusal(org)) return;
    o.status = 'cutover-requested';
    cutoverQueue.push(org);
    publish();
  };

  setHandler(progressQuery, () => ({ ...state, workflowId: workflowInfo().workflowId }));
  setHandler(pauseSignal, () => {
    state.paused = true;
    publish();
  });
  setHandler(resumeSignal, () => {
    state.paused = false;
    publish();
  });
  setHandler(passNowSignal, () => void (passNow = true));
  setHandler(approveSignal, () => void (state.approved = true));
  setHandler(abortSignal, (reason?: string) => {
    abortReason = reason ?? 'aborted by the operator';
    work.cancel();
  });
  setHandler(cutoverOrgSignal, requestCutover);
  setHandler(
    cutoverOrgUpdate,
    (org: string) => {
      requestCutover(org);
      return { accepted: true, org, message: `cutover of ${org} started` };
    },
    {
      validator: (org: string) => {
        const refusal = cutoverRefusal(org);
        if (refusal) throw new Error(refusal);
      },
    },
  );
  setHandler(cutoverFinishedSignal, (result: CutoverResult) => {
    const o = state.orgs[result.org];
    if (!o) return;
    o.cutover = result;
    // A failed cutover leaves the org in the loop; the operator may ask again.
    o.status = result.verified ? 'cut-over' : 'syncing';
    publish();
  });

  const allCutOver = () =>
    Object.keys(state.orgs).length > 0 && Object.values(state.orgs).every((o) => o.status === 'cut-over');

  try {
    await work.run(async () => {
      if (state.phase === 'starting') await runbook();
      await incrementalLoop();
    });
  } catch (err) {
    if (!isCancellation(err)) {
      state.phase = 'failed';
      state.error = err instanceof Error ? err.message : String(err);
      publish();
      throw err;
    }
    state.error = abortReason;
    enter('aborted');
    return state;
  }
  await condition(allHandlersFinished);
  enter('completed');
  return state;

  async function runbook(): Promise<void> {
    enter('build-cluster');
    record(await ctl.buildCluster(plan));
    enter('validate-cluster');
    state.clusterValidation = await ctl.validateCluster(plan);
    publish();
    // `=== false`: runs recorded before validation returned a verdict replay as they ran.
    if (state.clusterValidation.ok === false) {
      log.warn(`cluster validation failed: ${state.clusterValidation.failed.join('; ')}`);
      enter('awaiting-approval');
      await condition(() => state.approved);
      state.approved = false;
    }

    for (const org of await data.discoverOrgs(plan)) state.orgs[org] = { status: 'syncing', passSeconds: [] };
    if (!Object.keys(state.orgs).length)
      throw ApplicationFailure.nonRetryable(
        'the source has no organizations to migrate (check orgs.only / orgs.exclude)',
      );

    enter('full-backup');
    record(await data.fullBackup(plan, `${workflowInfo().workflowId}-full`));
    enter('tidy');
    state.tidy = await data.tidyBackup(plan);
    if (state.tidy.actionNeeded > 0 && plan.tidy.requireApproval) {
      enter('awaiting-approval');
      await condition(() => state.approved);
    }
    enter('full-restore');
    record(await data.fullRestore(plan));
    enter('verify-target');
    state.lastVerify = await data.verifyTarget(plan);
    if (plan.cluster) state.targetValidation = await ctl.validateTarget(plan);
    if (state.lastVerify.differences)
      log.warn(`verify found ${state.lastVerify.differences} differences; the incremental loop will retry them`);
    // The full backup and restore count as pass 0: the first incremental pass comes one interval later.
    state.lastPassAtMs = Date.now();
    enter('incremental-loop');
  }

  async function incrementalLoop(): Promise<void> {
    while (!allCutOver()) {
      const wait = msUntilNextPass(
        Date.now(),
        state.lastPassAtMs,
        plan.incremental.intervalSeconds,
        plan.incremental.timeOfDay,
      );
      state.nextPassAt = new Date(Date.now() + wait).toISOString();
      publish();
      const woken = await condition(() => passNow || cutoverQueue.length > 0 || allCutOver(), wait, {
        summary: 'until the next incremental pass (or pass-now / a cutover request)',
      });
      startRequestedCutovers();
      if (allCutOver()) break;
      if (state.paused) {
        await condition(() => !state.paused || cutoverQueue.length > 0 || allCutOver());
        continue;
      }
      if (woken && !passNow) continue;
      passNow = false;
      await runPass();
      if (workflowInfo().continueAsNewSuggested) {
        await condition(allHandlersFinished);
        startRequestedCutovers();
        await continueAsNew<typeof migrationWorkflow>(plan, state);
      }
    }
  }

  async function runPass(): Promise<void> {
    const orgs = Object.entries(state.orgs)
      .filter(([, o]) => o.status === 'syncing')
      .map(([name]) => name);
    state.lastPassAtMs = Date.now();
    if (!orgs.length) return;
    const n = state.passNumber + 1;
    const result = await data.incrementalPass(plan, orgs, `${workflowInfo().workflowId}-pass-${n}`);
    state.passNumber = n;
    record({ ...result, step: `incremental pass ${n}` });
    state.lastPassSeconds = Math.round(result.seconds * 100) / 100;
    for (const org of orgs) {
      const o = state.orgs[org];
      if (!o) continue;
      o.passSeconds = [...o.passSeconds, result.orgSeconds?.[org] ?? result.seconds].slice(
        -plan.incremental.keepPasses,
      );
      o.downtimeEstimateSeconds = p90(o.passSeconds);
      o.lastPassAt = new Date().toISOString();
    }
    publish();
  }

  function startRequestedCutovers(): void {
    for (const org of cutoverQueue.splice(0)) {
      const o = state.orgs[org];
      if (!o) continue;
      o.status = 'cutting-over';
      // ABANDON: a cutover outlives this run when the loop continues as new; it reports back by signal.
      void startChild(orgCutoverWorkflow, {
        workflowId: `${workflowInfo().workflowId}-cutover-${org}`,
        taskQueue: plan.taskQueues.control,
        args: [plan, org, workflowInfo().workflowId],
        parentClosePolicy: ParentClosePolicy.ABANDON,
      });
    }
    publish();
  }
}
