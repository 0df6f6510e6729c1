/** The workflow bundle's entry: every workflow the worker runs. */
export { migrationWorkflow } from './migration';
export { orgCutoverWorkflow } from './org-cutover';
