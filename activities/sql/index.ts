/**
 * The knife-ec-backup SQL path (`--with-user-sql`, `--with-key-sql`) against a Chef Server's `opscode_chef`
 * database: what the Chef API cannot carry (password hashes, rotated keys) travels as JSON dumps at the backup root.
 */
export { sqlConnectionFromOptions, type SqlConnection } from './connection';
export { SqlError } from './errors';
export { KEY_DUMP_FILE, USER_DUMP_FILE } from './dump-files';
export { exportKeys, exportUsers, type SqlExportResult } from './export';
export type { SqlImportResult } from './import-result';
export { importUsers, type ImportUsersOptions } from './import-users';
export { importKeys, type ImportKeysOptions } from './import-keys';
