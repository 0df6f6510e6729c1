import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Columns of the Temporal UI's workflow list: filter by phase, sort by progress or pass time. */
export const PHASE = defineSearchAttributeKey('MigrationPhase', SearchAttributeType.KEYWORD);
export const ORGS_TOTAL = defineSearchAttributeKey('MigrationOrgsTotal', SearchAttributeType.INT);
export const ORGS_CUT_OVER = defineSearchAttributeKey('MigrationOrgsCutOver', SearchAttributeType.INT);
export const LAST_PASS_SECONDS = defineSearchAttributeKey('MigrationLastPassSeconds', SearchAttributeType.DOUBLE);

export const SEARCH_ATTRIBUTES = [PHASE, ORGS_TOTAL, ORGS_CUT_OVER, LAST_PASS_SECONDS];
